import Foundation
import RapportProtocol
import RapportStore

/// Reads a server dump file line by line, checking each line before an import stores it.
///
/// Refuses, naming the line: a header of another format or version, a line that is not what its
/// place allows (a row before its workspace, sequences out of order or past the workspace's next
/// sequence, a version or conflict that does not decode, a token or workspace given twice), and a
/// file that ends without its trailer or whose trailer's counts disagree with the rows read. An
/// import runs inside one transaction, so a refusal anywhere stores nothing.
public final class ServerDumpReader {
    public var path: String { lines.path }
    private var lines: DumpLineReader
    private var header: ServerDumpHeader?
    private var workspaces: [String: Progress] = [:]
    private var tokens: Set<String> = []
    /// Each workspace's schema as its declared fields so far build it.
    private var schemas: [String: ReplicaSchema] = [:]
    private var ended = false
    /// The rows read so far.
    package private(set) var summary = ServerDumpSummary()

    /// Where a workspace's rows have reached, so each kind stays in the order the feed needs.
    private struct Progress {
        let nextSequence: Int64
        var record: Int64 = 0
        var conflict: Int64 = 0
        var pushCommit: Int64 = 0
    }

    /// Opens the dump at `path` (`.fileNotFound` when there is none); nothing is read yet.
    public init(path: String) throws {
        lines = try DumpLineReader(path: path)
    }

    deinit { lines.close() }

    /// The line the last row came from, for messages.
    package var lineNumber: Int { lines.number }

    /// Back to the start, forgetting what was read (a retried import reads the file again).
    package func rewind() throws {
        try lines.rewind()
        header = nil
        workspaces = [:]
        tokens = []
        schemas = [:]
        ended = false
        summary = ServerDumpSummary()
    }

    /// Reads and checks the first line.
    package func readHeader() throws -> ServerDumpHeader {
        guard let bytes = try lines.next() else {
            throw StoreError(code: .invalidData, message: "\(path) is empty: it is not a server dump (make one with `rapport server export`)")
        }
        return try checking {
            let line = try DumpLine(bytes)
            guard line.has("format"), try line.string("format") == ServerDump.format else {
                throw DumpLine.Problem("this is not a server dump (its first line has no \"format\":\"\(ServerDump.format)\")")
            }
            let version = try line.integer("version")
            guard version == Int64(ServerDump.version) else {
                throw DumpLine.Problem("the dump is version \(version), and this rapport reads version \(ServerDump.version) only; import it with the rapport that wrote it or a newer one")
            }
            let epoch = try line.string("epoch")
            guard (1...64).contains(epoch.utf8.count), epoch.utf8.allSatisfy({ $0 == 45 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }) else {
                throw DumpLine.Problem("its epoch is not 1 to 64 characters of A-Z, a-z, 0-9 and '-'")
            }
            let header = ServerDumpHeader(epoch: epoch, createdAtMillis: try line.integer("createdAt"))
            self.header = header
            return header
        }
    }

    /// The next row, checked; nil once the trailer has been read and found to match.
    package func next() throws -> ServerDumpRow? {
        guard header != nil else { throw StoreError(code: .invalidArgument, message: "read the dump's header first") }
        guard !ended else { return nil }
        guard let bytes = try lines.next() else {
            throw StoreError(code: .invalidData, message: "\(path) ends after line \(lines.number) without its trailer line: the dump is cut short (an export that did not finish, or a partial copy); nothing was imported, export it again")
        }
        return try checking {
            guard !bytes.isEmpty else { throw DumpLine.Problem("the line is empty") }
            let line = try DumpLine(bytes)
            let type = try line.string("type")
            if type == "end" {
                try end(line)
                return nil
            }
            let row = try self.row(type, line)
            summary.count(row)
            return row
        }
    }

    private func row(_ type: String, _ line: DumpLine) throws -> ServerDumpRow {
        switch type {
        case "workspace":
            let name = try line.string("name")
            guard ServerStore.isValidWorkspaceName(name) else { throw DumpLine.Problem("its name is not a workspace name (1 to 64 of A-Z, a-z, 0-9, '_', '-')") }
            guard workspaces[name] == nil else { throw DumpLine.Problem("workspace '\(name)' was given before") }
            let next = try line.integer("nextSequence")
            guard next >= 1 else { throw DumpLine.Problem("its nextSequence is below 1") }
            workspaces[name] = Progress(nextSequence: next)
            return .workspace(name: name, nextSequence: next, createdAtMillis: try line.integer("createdAt"))
        case "token":
            let id = try line.string("id")
            guard ServerStore.isValidTokenID(id) else { throw DumpLine.Problem("its id is not a token id (1 to 64 of A-Z, a-z, 0-9)") }
            guard tokens.insert(id).inserted else { throw DumpLine.Problem("token \(id) was given before") }
            let workspace = try known(line)
            return .token(id: id, workspace: workspace, label: try line.string("label"), secretHash: try line.string("secretHash"),
                          createdAtMillis: try line.integer("createdAt"), revokedAtMillis: try line.optionalInteger("revokedAt"))
        case "record":
            let workspace = try known(line)
            let sequence = try line.integer("sequence")
            try place(sequence, in: workspace, after: \.record, strictly: true, what: "record")
            let version = try line.object("version")
            guard let decoded = try? WireCoding.decodeVersion(version) else { throw DumpLine.Problem("its version is not a record version") }
            return .record(workspace: workspace, sequence: sequence, entity: decoded.entity, id: decoded.id, version: version)
        case "conflict":
            let workspace = try known(line)
            let sequence = try line.integer("sequence")
            try place(sequence, in: workspace, after: \.conflict, strictly: false, what: "conflict")
            let json = try line.object("conflict")
            guard let decoded = WireCoding.decodeConflict(json) else { throw DumpLine.Problem("its conflict is not a conflict") }
            return .conflict(workspace: workspace, sequence: sequence, entity: decoded.entity, id: decoded.id, json: json)
        case "pushCommit":
            let workspace = try known(line)
            let last = try line.integer("lastSequence")
            try place(last, in: workspace, after: \.pushCommit, strictly: true, what: "push commit")
            let tag = try line.string("tag")
            guard !tag.isEmpty else { throw DumpLine.Problem("its tag is empty") }
            return .pushCommit(workspace: workspace, lastSequence: last, tag: tag)
        case "declaredField":
            let workspace = try known(line)
            let row = DeclaredField(entity: try line.string("entity"), field: try line.string("field"), kind: try line.string("kind"),
                                    newEntity: try line.bool("newEntity"))
            let schema = schemas[workspace] ?? .builtIn
            guard let kind = EntitySchema.Kind.addable[row.kind] else { throw DumpLine.Problem("its kind is none of \(EntitySchema.Kind.addable.keys.sorted().joined(separator: ", "))") }
            guard row.newEntity == (schema.byName[row.entity] == nil) else {
                throw DumpLine.Problem("its newEntity does not agree with the fields declared before it")
            }
            let addition = SchemaAddition(entity: row.entity, isNewEntity: row.newEntity, fields: [SchemaAddition.Field(name: row.field, kind: kind)])
            if let problem = schema.problem(adding: addition) { throw DumpLine.Problem("it does not fit the workspace's schema: \(problem)") }
            schemas[workspace] = try schema.adding(addition)
            return .declaredField(workspace: workspace, entity: row.entity, field: row.field, kind: row.kind, newEntity: row.newEntity,
                                  declaredAtMillis: try line.integer("declaredAt"))
        default:
            throw DumpLine.Problem("its type \"\(type.prefix(32))\" is none of workspace, token, declaredField, record, conflict, pushCommit, end")
        }
    }

    /// The line's workspace, which an earlier line must have declared.
    private func known(_ line: DumpLine) throws -> String {
        let name = try line.string("workspace")
        guard workspaces[name] != nil else { throw DumpLine.Problem("workspace '\(name.prefix(64))' has no line before this one") }
        return name
    }

    /// Checks `sequence` lies in the workspace's feed and after the previous row of its kind.
    private func place(_ sequence: Int64, in workspace: String, after last: WritableKeyPath<Progress, Int64>, strictly: Bool, what: String) throws {
        guard var progress = workspaces[workspace] else { return }
        guard sequence >= 1, sequence < progress.nextSequence else {
            throw DumpLine.Problem("its sequence \(sequence) is outside workspace '\(workspace)' (1 to \(progress.nextSequence - 1))")
        }
        let previous = progress[keyPath: last]
        guard strictly ? sequence > previous : sequence >= previous else {
            throw DumpLine.Problem("its sequence \(sequence) comes after \(what) sequence \(previous) of workspace '\(workspace)': the \(what)s are out of order")
        }
        progress[keyPath: last] = sequence
        workspaces[workspace] = progress
    }

    private func end(_ line: DumpLine) throws {
        let expected = ServerDumpSummary(
            workspaces: Int(try line.integer("workspaces")), tokens: Int(try line.integer("tokens")), records: Int(try line.integer("records")),
            conflicts: Int(try line.integer("conflicts")), pushCommits: Int(try line.integer("pushCommits")),
            declaredFields: line.has("declaredFields") ? Int(try line.integer("declaredFields")) : 0)
        guard expected == summary else {
            throw DumpLine.Problem("the trailer counts \(Self.describe(expected)) but the dump holds \(Self.describe(summary)): rows are missing or added")
        }
        while let extra = try lines.next() {
            guard extra.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { throw DumpLine.Problem("a line follows the trailer") }
        }
        ended = true
    }

    private static func describe(_ s: ServerDumpSummary) -> String {
        "\(s.workspaces) workspaces, \(s.tokens) tokens, \(s.records) records, \(s.conflicts) conflicts, \(s.pushCommits) push commits, \(s.declaredFields) declared fields"
    }

    /// Runs a check of the current line, naming the line in what it throws.
    private func checking<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let problem as DumpLine.Problem {
            throw StoreError(code: .invalidData, message: "line \(lines.number) of \(path) is not a valid dump line: \(problem.message); nothing was imported")
        }
    }
}

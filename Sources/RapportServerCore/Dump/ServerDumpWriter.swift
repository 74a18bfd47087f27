import RapportStore

/// Turns a database's header and rows into the lines of a server dump (see `ServerDump`), counting
/// them for the trailer. Holds no I/O: each backend's export writes the lines where it is told to.
package struct ServerDumpWriter {
    package private(set) var summary = ServerDumpSummary()

    package init() {}

    package static func line(for header: ServerDumpHeader) throws -> [UInt8] {
        try encode([
            "format": .string(ServerDump.format), "version": .integer(Int64(ServerDump.version)),
            "epoch": .string(header.epoch), "createdAt": .integer(header.createdAtMillis),
        ], what: "the header")
    }

    package mutating func line(for row: ServerDumpRow) throws -> [UInt8] {
        let line: [UInt8]
        switch row {
        case let .workspace(name, nextSequence, created):
            line = try Self.encode([
                "type": .string("workspace"), "name": .string(name), "nextSequence": .integer(nextSequence), "createdAt": .integer(created),
            ], what: "workspace '\(name)'")
        case let .token(id, workspace, label, secretHash, created, revoked):
            line = try Self.encode([
                "type": .string("token"), "id": .string(id), "workspace": .string(workspace), "label": .string(label),
                "secretHash": .string(secretHash), "createdAt": .integer(created), "revokedAt": revoked.map { .integer($0) } ?? .null,
            ], what: "token \(id)")
        case let .record(workspace, sequence, _, _, version):
            line = try Self.encode([
                "type": .string("record"), "workspace": .string(workspace), "sequence": .integer(sequence), "version": .raw(version),
            ], what: "the stored version at sequence \(sequence) of workspace '\(workspace)'")
        case let .conflict(workspace, sequence, _, _, json):
            line = try Self.encode([
                "type": .string("conflict"), "workspace": .string(workspace), "sequence": .integer(sequence), "conflict": .raw(json),
            ], what: "a stored conflict at sequence \(sequence) of workspace '\(workspace)'")
        case let .pushCommit(workspace, lastSequence, tag):
            line = try Self.encode([
                "type": .string("pushCommit"), "workspace": .string(workspace), "lastSequence": .integer(lastSequence), "tag": .string(tag),
            ], what: "the push commit ending at sequence \(lastSequence) of workspace '\(workspace)'")
        case let .declaredField(workspace, entity, field, kind, newEntity, declared):
            line = try Self.encode([
                "type": .string("declaredField"), "workspace": .string(workspace), "entity": .string(entity), "field": .string(field),
                "kind": .string(kind), "newEntity": .bool(newEntity), "declaredAt": .integer(declared),
            ], what: "a declared field of workspace '\(workspace)'")
        }
        summary.count(row)
        return line
    }

    /// The last line: the counts of every row written before it.
    package func trailer() throws -> [UInt8] {
        try Self.encode([
            "type": .string("end"), "workspaces": .integer(Int64(summary.workspaces)), "tokens": .integer(Int64(summary.tokens)),
            "records": .integer(Int64(summary.records)), "conflicts": .integer(Int64(summary.conflicts)),
            "pushCommits": .integer(Int64(summary.pushCommits)), "declaredFields": .integer(Int64(summary.declaredFields)),
        ], what: "the trailer")
    }

    private static func encode(_ fields: KeyValuePairs<String, DumpLine.Value>, what: String) throws -> [UInt8] {
        do { return try DumpLine.encode(fields) } catch let problem as DumpLine.Problem {
            throw StoreError(code: .invalidData, message: "\(what) cannot be dumped: \(problem.message)")
        }
    }
}

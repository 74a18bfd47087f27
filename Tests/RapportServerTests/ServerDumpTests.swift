import Foundation
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// Moving a team between the SQLite file and PostgreSQL with `exportDump`/`importDump` loses
/// nothing, and clients do not notice: same epoch, same sequences, same commit tags, so a cursor
/// from before the move is accepted after it.
@Suite struct ServerDumpTests {
    static let postgresURL: String? = {
        let url = ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES"]
        return url?.isEmpty == false ? url : nil
    }()

    // MARK: the round trip

    @Test("SQLite to a dump to PostgreSQL to a dump to SQLite keeps every feed, token, tag and the epoch, and old cursors keep working",
          .enabled(if: postgresURL != nil))
    func aRoundTripThroughPostgreSQLLosesNothing() throws {
        let fixture = try DumpFixture()
        let original = try fixture.open(.sqlite)
        try Team.populate(original)
        let before = try Snapshot(original)
        let heads = before.heads
        let midway = try original.changes(workspace: "team", since: .start, limit: 2).next

        let first = fixture.file("first.jsonl")
        let exported = try original.exportDump(toFile: first)
        #expect(exported == ServerDumpSummary(workspaces: 3, tokens: 4, records: 8, conflicts: 3, pushCommits: 10, declaredFields: 2))

        let postgres = try fixture.open(.postgres)
        #expect(postgres.epoch != before.epoch)
        #expect(try postgres.importDump(fromFile: first) == exported)
        #expect(try Snapshot(postgres) == before)
        #expect(postgres.epoch == before.epoch)

        // A client that synced before the move carries on, mid-feed or at the head, with no resync.
        #expect(try postgres.changes(workspace: "team", since: midway, limit: 100) == original.changes(workspace: "team", since: midway, limit: 100))
        for (workspace, head) in heads {
            let page = try postgres.changes(workspace: workspace, since: head, limit: 100)
            #expect(page.entries.isEmpty && page.next == head)
        }
        // And the feed goes on numbering where it stopped.
        let next = try postgres.push(workspace: "team", versions: [Fixtures.account("after-move", name: "Globex")])
        #expect(next == [.accepted(sequence: heads["team"]!.sequence + 1)])
        #expect(try postgres.changes(workspace: "team", since: heads["team"]!, limit: 100).entries.map(\.sequence) == [heads["team"]!.sequence + 1])

        let back = try fixture.open(.sqlite)
        let copy = try fixture.open(.postgres)
        #expect(try copy.importDump(fromFile: first) == exported)
        let second = fixture.file("second.jsonl")
        #expect(try copy.exportDump(toFile: second) == exported)
        // Both backends write the same bytes for the same data: nothing was re-encoded on the way.
        #expect(try Data(contentsOf: URL(fileURLWithPath: second)) == Data(contentsOf: URL(fileURLWithPath: first)))
        #expect(try back.importDump(fromFile: second) == exported)
        #expect(try Snapshot(back) == before)
        #expect(try back.changes(workspace: "team", since: midway, limit: 100) == original.changes(workspace: "team", since: midway, limit: 100))
    }

    @Test("a dump from SQLite imported into each backend keeps the epoch, every feed and every tag", arguments: DumpBackend.available)
    func aDumpRoundTripsThroughEachBackend(_ backend: DumpBackend) throws {
        let fixture = try DumpFixture()
        let original = try fixture.open(.sqlite)
        try Team.populate(original)
        let dump = fixture.file("dump.jsonl")
        try original.exportDump(toFile: dump)
        let target = try fixture.open(backend)
        try target.importDump(fromFile: dump)
        #expect(try Snapshot(target) == Snapshot(original))
    }

    @Test("a record version is dumped exactly as it was stored, hostile ids included")
    func versionsAreDumpedVerbatim() throws {
        let fixture = try DumpFixture()
        let store = try fixture.open(.sqlite)
        try Team.populate(store)
        let dump = fixture.file("dump.jsonl")
        try store.exportDump(toFile: dump)
        let lines = try String(contentsOfFile: dump, encoding: .utf8).split(separator: "\n").map(String.init)
        let stored = try store.changes(workspace: "team", after: 0, limit: .max).entries.map(\.json)
        let dumped = lines.filter { $0.hasPrefix(#"{"type":"record","workspace":"team""#) }
        #expect(dumped.count == stored.count)
        for (line, json) in zip(dumped, stored) { #expect(line.hasSuffix(#","version":"# + json + "}")) }
        #expect(lines.first?.hasPrefix(#"{"format":"rapport-server-dump","version":1,"epoch":"\#(store.epoch)""#) == true)
        #expect(lines.last?.hasPrefix(#"{"type":"end","workspaces":3,"#) == true)
        #expect(stored.contains { $0.contains(#""a\u0000b""#) })
    }

    // MARK: refusals

    @Test("an import into a database that has a workspace is refused and changes nothing", arguments: DumpBackend.available)
    func aNonEmptyTargetIsRefused(_ backend: DumpBackend) throws {
        let fixture = try DumpFixture()
        let source = try fixture.open(.sqlite)
        try Team.populate(source)
        let dump = fixture.file("dump.jsonl")
        try source.exportDump(toFile: dump)

        let target = try fixture.open(backend)
        try target.addWorkspace("existing")
        _ = try target.push(workspace: "existing", versions: [Fixtures.account("mine")])
        let before = try Snapshot(target)
        let error = try #require(throws: StoreError.self) { try target.importDump(fromFile: dump) }
        #expect(error.code == .conflict)
        #expect(error.message.contains("already holds 1 workspace ('existing')") && error.message.contains("empty database"))
        #expect(try Snapshot(target) == before)
    }

    @Test("a dump cut short anywhere is refused with its line, and nothing of it is imported", arguments: DumpBackend.available)
    func aTruncatedDumpIsRefused(_ backend: DumpBackend) throws {
        let fixture = try DumpFixture()
        let source = try fixture.open(.sqlite)
        try Team.populate(source)
        let whole = fixture.file("whole.jsonl")
        try source.exportDump(toFile: whole)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let target = try fixture.open(backend)
        let epoch = target.epoch

        // Without the trailer: every row is there, yet none may stay.
        let withoutTrailer = fixture.file("without-trailer.jsonl")
        try Data(lines.dropLast(2).joined(separator: [0x0A]) + [0x0A]).write(to: URL(fileURLWithPath: withoutTrailer))
        let missing = try #require(throws: StoreError.self) { try target.importDump(fromFile: withoutTrailer) }
        #expect(missing.code == .invalidData)
        #expect(missing.message.contains("ends after line \(lines.count - 2) without its trailer line"))

        // Cut in the middle of the 8th line.
        let cutAt = lines.prefix(7).reduce(0) { $0 + $1.count + 1 } + 20
        let cut = fixture.file("cut.jsonl")
        try bytes.prefix(cutAt).write(to: URL(fileURLWithPath: cut))
        let damaged = try #require(throws: StoreError.self) { try target.importDump(fromFile: cut) }
        #expect(damaged.code == .invalidData)
        #expect(damaged.message.contains("line 8 of \(cut)"))

        #expect(try target.workspaces().isEmpty)
        #expect(try target.tokens().isEmpty)
        #expect(target.epoch == epoch)
        // The same database then takes the whole dump.
        try target.importDump(fromFile: whole)
        #expect(try Snapshot(target) == Snapshot(source))
    }

    @Test("a dump with a bad header, version, line or trailer is refused naming the line", arguments: [
        BadDump("another format", line: 1, "this is not a server dump") { $0[0] = #"{"format":"something-else","version":1}"# },
        BadDump("a newer version", line: 1, "the dump is version 2, and this rapport reads version 1 only") {
            $0[0] = $0[0].replacingOccurrences(of: #""version":1"#, with: #""version":2"#)
        },
        BadDump("a line that is not JSON", line: 3, "not one JSON object") { $0[2] = "{\"type\":\"workspace\"," },
        BadDump("a record before its workspace", line: 2, "workspace 'ops' has no line before this one") {
            $0.insert($0.remove(at: $0.firstIndex { $0.contains(#""type":"record""#) }!), at: 1)
        },
        BadDump("a version that is not one", line: nil, "its version is not a record version") {
            $0[$0.firstIndex { $0.contains(#""type":"record""#) }!] = #"{"type":"record","workspace":"ops","sequence":1,"version":{"nope":true}}"#
        },
        BadDump("records out of order", line: nil, "the records are out of order") {
            let index = $0.firstIndex { $0.contains(#""type":"record""#) }!
            $0.swapAt(index, index + 1)
        },
        BadDump("a row too few for the trailer", line: nil, "the trailer counts") {
            $0.remove(at: $0.firstIndex { $0.contains(#""type":"token""#) }!)
        },
        BadDump("a line after the trailer", line: nil, "a line follows the trailer") { $0.append($0[1]) },
    ])
    func aBadDumpIsRefused(_ bad: BadDump) throws {
        let fixture = try DumpFixture()
        let source = try fixture.open(.sqlite)
        try Team.populate(source)
        let whole = fixture.file("whole.jsonl")
        try source.exportDump(toFile: whole)
        var lines = try String(contentsOfFile: whole, encoding: .utf8).split(separator: "\n").map(String.init)
        bad.edit(&lines)
        let broken = fixture.file("broken.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: broken))

        let target = try fixture.open(.sqlite)
        let epoch = target.epoch
        let error = try #require(throws: StoreError.self) { try target.importDump(fromFile: broken) }
        #expect(error.code == .invalidData)
        #expect(error.message.contains(bad.message), "\(error.message)")
        if let line = bad.line { #expect(error.message.contains("line \(line) of \(broken)"), "\(error.message)") }
        #expect(try target.workspaces().isEmpty)
        #expect(target.epoch == epoch)
    }

    @Test("an export never overwrites a file")
    func anExportRefusesAnExistingFile() throws {
        let fixture = try DumpFixture()
        let store = try fixture.open(.sqlite)
        try Team.populate(store)
        let path = fixture.file("taken.jsonl")
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: StoreError.self) { try store.exportDump(toFile: path) }
        #expect(error.code == .conflict)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me\n")
    }

    @Test("the dump file is readable by its owner only, since it holds the tokens' hashes")
    func theDumpFileIsPrivate() throws {
        let fixture = try DumpFixture()
        let store = try fixture.open(.sqlite)
        try Team.populate(store)
        let path = fixture.file("dump.jsonl")
        try store.exportDump(toFile: path)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }
}

// MARK: fixtures

/// The backends a dump can go into; PostgreSQL only when `RAPPORT_TEST_POSTGRES` is set.
enum DumpBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var available: [DumpBackend] { ServerDumpTests.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// A temporary directory and the databases a test opened, all removed (schemas dropped) at the end.
final class DumpFixture: @unchecked Sendable {
    let directory: URL
    private let lock = NSLock()
    private var opened: [any ServerDatabase] = []

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ServerDumpTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        for store in opened {
            if let store = store as? PostgresStore { try? store.dropSchema() } else { store.close() }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A new, empty database of `backend`: a file of its own, or a schema of its own.
    func open(_ backend: DumpBackend) throws -> any ServerDatabase {
        let store: any ServerDatabase
        switch backend {
        case .sqlite:
            store = try ServerStore.open(at: file("server-\(UUID().uuidString).db"), create: true)
        case .postgres:
            let url = try #require(ServerDumpTests.postgresURL)
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
            store = try PostgresStore.open(url: url + (url.contains("?") ? "&" : "?") + "schema=\(schema)", maximumConnections: 2)
        }
        lock.withLock { opened.append(store) }
        return store
    }
}

/// A team's server after some real use: three workspaces (one never written to), live and revoked
/// tokens, records with hostile ids, an open merged conflict on two fields, one on a hostile id, and
/// a conflict settled by a replicated resolution.
enum Team {
    static func stamp(_ millis: Int64, _ replica: ReplicaID) -> Stamp {
        Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis() + millis), replica: replica)
    }

    static func populate(_ store: any ServerDatabase) throws {
        let day = Date(timeIntervalSince1970: 1_764_000_000.123)
        try store.addWorkspace("team", now: day)
        try store.addWorkspace("ops", now: day.addingTimeInterval(60))
        try store.addWorkspace("quiet", now: day.addingTimeInterval(120))
        var tokens: [String] = []
        for (workspace, label) in [("team", "dana-laptop"), ("team", "dana-phone"), ("ops", "ops-bot"), ("team", "lost \"phone\" ✓")] {
            let (id, secret) = TokenSecrets.generate()
            try store.addToken(id: id, workspace: workspace, label: label, secretHash: TokenSecrets.hash(secret), now: day.addingTimeInterval(Double(tokens.count)))
            tokens.append(id)
        }
        try store.revokeToken(id: tokens[3], now: day.addingTimeInterval(3600))
        // Declared schemas travel with their workspaces.
        try store.declare(.fields([("tier", .optionalText)], of: "account"), workspace: "team", now: day)
        try store.declare(.entity("playbook", fields: [("title", .optionalText)]), workspace: "ops", now: day)

        let base = Fixtures.account("a1", name: "Acme")
        let hostile = Fixtures.account("a\u{0}b", name: "Nul Ltd")
        let percent = Fixtures.account("%", name: "Percent")
        #expect(try store.push(workspace: "team", versions: [base, hostile, percent, Fixtures.account("%00", name: "Not a NUL")]).count == 4)

        // Two fields edited on both devices: one merge, two conflicts at one sequence.
        var onLaptop = base
        onLaptop.write(["name": .string("Acme Ltd"), "owner": .string("lee")], stamp: stamp(1, Fixtures.laptop))
        var onPhone = base
        onPhone.write(["name": .string("ACME"), "owner": .string("sam")], stamp: stamp(2, Fixtures.phone))
        _ = try store.push(workspace: "team", versions: [onLaptop])
        _ = try store.push(workspace: "team", versions: [onPhone])

        var hostileLaptop = hostile
        hostileLaptop.write(["segment": .string("enterprise")], stamp: stamp(3, Fixtures.laptop))
        var hostilePhone = hostile
        hostilePhone.write(["segment": .string("mid")], stamp: stamp(4, Fixtures.phone))
        _ = try store.push(workspace: "team", versions: [hostileLaptop])
        _ = try store.push(workspace: "team", versions: [hostilePhone])

        var percentLaptop = percent
        percentLaptop.write(["arr": .number(5)], stamp: stamp(5, Fixtures.laptop))
        var percentPhone = percent
        percentPhone.write(["arr": .number(7)], stamp: stamp(6, Fixtures.phone))
        _ = try store.push(workspace: "team", versions: [percentLaptop])
        guard case .merged(_, let found)? = try store.push(workspace: "team", versions: [percentPhone]).first, let settled = found.first else {
            Issue.record("the concurrent edit of '%' was not merged with a conflict")
            return
        }
        let resolution = ConflictResolution(conflict: settled, outcome: "took theirs", resolvedAt: day)
        _ = try store.push(workspace: "team", versions: [
            RecordVersion.create(entity: "resolution", id: resolution.id, fields: resolution.fieldValues, stamp: stamp(7, Fixtures.laptop)),
        ])

        _ = try store.push(workspace: "ops", versions: [Fixtures.account("o1", name: "Initech"), Fixtures.account("o2", name: "Umbrella")])
        _ = try store.push(workspace: "ops", versions: [Fixtures.account("o3", name: "Hooli")])
    }
}

/// Everything a client or an operator can read from a server database.
struct Snapshot: Equatable {
    let epoch: String
    let workspaces: [WorkspaceInfo]
    let tokens: [TokenInfo]
    let credentials: [String: TokenCredential]
    let heads: [String: FeedPosition]
    let feeds: [String: ChangeFeedPage]
    /// Every workspace's feed read as a client reads it, two entries a page from the start: the
    /// cursors handed out on the way carry each commit's tag.
    let pages: [String: [ChangeFeedPage]]
    /// What each workspace's schema declares.
    let schemas: [String: [SchemaAddition]]

    init(_ store: any ServerDatabase) throws {
        epoch = store.epoch
        workspaces = try store.workspaces()
        tokens = try store.tokens()
        var credentials: [String: TokenCredential] = [:]
        for token in tokens { credentials[token.id] = try store.tokenCredential(id: token.id) }
        self.credentials = credentials
        var schemas: [String: [SchemaAddition]] = [:]
        for workspace in workspaces.map(\.name) { schemas[workspace] = try store.workspaceSchema(workspace).additions }
        self.schemas = schemas
        var heads: [String: FeedPosition] = [:], feeds: [String: ChangeFeedPage] = [:], pages: [String: [ChangeFeedPage]] = [:]
        for workspace in workspaces.map(\.name) {
            heads[workspace] = try store.feedHead(workspace: workspace)
            feeds[workspace] = try store.changes(workspace: workspace, after: 0, limit: .max)
            var position = FeedPosition.start
            repeat {
                let page = try store.changes(workspace: workspace, since: position, limit: 2)
                pages[workspace, default: []].append(page)
                position = page.next
                if !page.hasMore { break }
            } while true
        }
        self.heads = heads
        self.feeds = feeds
        self.pages = pages
    }
}

/// A dump with one thing wrong, and what the refusal must say.
struct BadDump: Sendable, CustomTestStringConvertible {
    let name: String
    let line: Int?
    let message: String
    let edit: @Sendable (inout [String]) -> Void

    init(_ name: String, line: Int?, _ message: String, edit: @escaping @Sendable (inout [String]) -> Void) {
        self.name = name
        self.line = line
        self.message = message
        self.edit = edit
    }

    var testDescription: String { name }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// What only the PostgreSQL backend has: several processes on one database, a feed kept gap-free by
/// the workspace row lock, transient faults, LISTEN/NOTIFY and its migrations. Each "process" here
/// is a `PostgresStore` of its own (its own pool and connections) on one schema.
///
/// Needs `RAPPORT_TEST_POSTGRES` (`eval "$(scripts/postgres.sh start)"` starts a throwaway cluster);
/// CI sets it. The protocol suites run against PostgreSQL too (`RAPPORT_TEST_BACKEND=postgres`).
@Suite(.enabled(if: PostgresDatabase.url != nil, "needs RAPPORT_TEST_POSTGRES"))
struct PostgresStoreTests {
    // MARK: a gap-free feed

    @Test func aPullNeverSkipsAPushThatCommitsAfterLaterOnesStarted() throws {
        let database = try PostgresDatabase()
        let held = try database.open(), other = try database.open(maximumConnections: 8)
        defer { held.close(); other.close() }
        try held.addWorkspace("alpha")
        try held.addWorkspace("beta")
        _ = try held.push(workspace: "alpha", versions: [Fixtures.account("seed")])

        // The first push stops just before its commit until released.
        let reached = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        held.setWillCommitPush { _ in
            reached.signal()
            release.wait()
        }
        let group = DispatchGroup()
        let outcomes = Outcomes()
        DispatchQueue.global().async(group: group) {
            outcomes.record("held", Result { try held.push(workspace: "alpha", versions: [Fixtures.account("held")]) })
        }
        #expect(reached.wait(timeout: .now() + 20) == .success)
        held.setWillCommitPush(nil)
        // Later pushes into the same workspace, from the other process, start while it is open.
        for index in 0..<3 {
            DispatchQueue.global().async(group: group) {
                outcomes.record("later\(index)", Result { try other.push(workspace: "alpha", versions: [Fixtures.account("later\(index)")]) })
            }
        }
        // Another workspace is not held up by it.
        #expect(try other.push(workspace: "beta", versions: [Fixtures.account("b1")]).map(\.isStored) == [true])

        // A reader follows its cursor all along, as a client does.
        var cursor = FeedPosition.start
        var delivered: [String] = []
        func pull() throws {
            while true {
                let page = try other.changes(workspace: "alpha", since: cursor, limit: 2)
                delivered += try page.entries.map { try WireCoding.decodeVersion(Array($0.json.utf8)).id }
                cursor = page.next
                if !page.hasMore { return }
            }
        }
        for _ in 0..<5 {
            try pull()
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(delivered == ["seed"], "nothing after the held push may be visible while it is open")
        #expect(outcomes.names.isEmpty, "later pushes into the held workspace wait for its commit")

        release.signal()
        #expect(group.wait(timeout: .now() + 30) == .success)
        try pull()
        #expect(Set(delivered) == ["seed", "held", "later0", "later1", "later2"])
        #expect(delivered.count == 5)
        // Commit order is sequence order: the held push has the lowest sequence of the five after seed.
        let sequences = try outcomes.sequences()
        #expect(sequences["held"] == 2)
        #expect(Set(sequences.values) == [2, 3, 4, 5])
    }

    @Test func concurrentPushesFromSeveralProcessesGiveEveryReaderEveryRecord() throws {
        let database = try PostgresDatabase()
        let stores = try (0..<3).map { _ in try database.open() }
        defer { stores.forEach { $0.close() } }
        try stores[0].addWorkspace("alpha")
        let group = DispatchGroup()
        let failures = Outcomes()
        for writer in 0..<6 {
            DispatchQueue.global().async(group: group) {
                for batch in 0..<10 {
                    let versions = (0..<5).map { Fixtures.account("w\(writer)-\(batch)-\($0)") }
                    if case .failure(let error) = Result(catching: { try stores[writer % 3].push(workspace: "alpha", versions: versions) }) {
                        failures.record("w\(writer)", .failure(error))
                    }
                }
            }
        }
        // Readers on every process page along while the writers run.
        var cursors = Array(repeating: FeedPosition.start, count: 3)
        var seen = Array(repeating: [String](), count: 3)
        func pullAll() throws {
            for reader in 0..<3 {
                var page: ChangeFeedPage
                repeat {
                    page = try stores[reader].changes(workspace: "alpha", since: cursors[reader], limit: 7)
                    seen[reader] += try page.entries.map { try WireCoding.decodeVersion(Array($0.json.utf8)).id }
                    cursors[reader] = page.next
                } while page.hasMore
            }
        }
        while group.wait(timeout: .now() + 0.02) == .timedOut { try pullAll() }
        try pullAll()
        #expect(failures.names.isEmpty)
        for reader in 0..<3 {
            #expect(seen[reader].count == 300, "reader \(reader) saw \(seen[reader].count) of 300")
            #expect(Set(seen[reader]).count == 300)
        }
    }

    // MARK: faults

    @Test func aPushWhoseConnectionDiesBeforeCommitIsRetriedAndStoredOnce() throws {
        let database = try PostgresDatabase()
        let store = try database.open()
        defer { store.close() }
        try store.addWorkspace("alpha")
        let kills = Counter()
        store.setWillCommitPush { _ in
            // The first attempt loses its connection just before COMMIT (as in a PostgreSQL restart).
            if kills.increment() == 1 { try? database.terminateConnections(of: store) }
        }
        let outcomes = try store.push(workspace: "alpha", versions: [Fixtures.account("a1"), Fixtures.account("a2")])
        #expect(outcomes == [.accepted(sequence: 1), .accepted(sequence: 2)])
        #expect(kills.value == 2, "the transaction ran again on a fresh connection")
        #expect(try store.changes(workspace: "alpha", after: 0, limit: 10).entries.count == 2)
        #expect(try store.latestSequence(workspace: "alpha") == 2)
    }

    @Test func aDatabaseThatKeepsFailingAnswers503WithRetryAfterAndStoresNothing() async throws {
        let database = try PostgresDatabase()
        let store = try database.open()
        defer { store.close() }
        try store.addWorkspace("alpha")
        let (id, secret) = TokenSecrets.generate()
        try store.addToken(id: id, workspace: "alpha", label: "laptop", secretHash: TokenSecrets.hash(secret))
        store.setWillCommitPush { _ in try? database.terminateConnections(of: store) }
        let configuration = ServerConfiguration(databasePath: "unused", port: 0)
        try await buildApplication(store: store, configuration: configuration, logger: Logger(label: "test")).test(.router) { client in
            let response = try await client.push("alpha", token: secret, versions: [Fixtures.account("a1")])
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
            #expect(try response.error().code == "service_unavailable")
        }
        store.setWillCommitPush(nil)
        #expect(try store.latestSequence(workspace: "alpha") == 0)
        // The client's retry, once the database is back, stores it.
        #expect(try store.push(workspace: "alpha", versions: [Fixtures.account("a1")]) == [.accepted(sequence: 1)])
    }

    // MARK: several processes

    @Test func anotherProcessesPushWakesThisProcessesLongPoll() async throws {
        let database = try PostgresDatabase()
        let writer = try database.open(), server = try database.open()
        defer { writer.close(); server.close() }
        try writer.addWorkspace("alpha")
        let (id, secret) = TokenSecrets.generate()
        try writer.addToken(id: id, workspace: "alpha", label: "phone", secretHash: TokenSecrets.hash(secret))
        let configuration = ServerConfiguration(databasePath: "unused", port: 0, maxWaitSeconds: 25)
        try await buildApplication(store: server, configuration: configuration, logger: Logger(label: "test")).test(.router) { client in
            async let waiting = client.changes("alpha", token: secret, query: "protocolVersion=1&wait=25")
            try await Task.sleep(for: .milliseconds(500))
            _ = try writer.push(workspace: "alpha", versions: [Fixtures.account("from-the-other-process")])
            let page = try await waiting.decode(ChangesResponse.self)
            // Without the NOTIFY, the poll would sleep its 25 s and come back empty.
            #expect(page.changes.map(\.version.id) == ["from-the-other-process"])
        }
    }

    @Test func aListenerReportsEveryWorkspaceAndReconnectsAfterItsConnectionDies() throws {
        let database = try PostgresDatabase()
        let writer = try database.open(), listener = try database.open()
        defer { writer.close(); listener.close() }
        try writer.addWorkspace("alpha")
        try writer.addWorkspace("beta")
        let heard = Outcomes()
        let signal = DispatchSemaphore(value: 0)
        #expect(try listener.observeOtherWriters { workspace in
            heard.record(workspace ?? "*", .success([]))
            signal.signal()
        })
        let b1 = Fixtures.account("b1")
        _ = try writer.push(workspace: "beta", versions: [b1])
        #expect(signal.wait(timeout: .now() + 10) == .success)
        #expect(heard.names == ["beta"])
        // A push that stores nothing (a repeat) notifies nobody.
        #expect(try writer.push(workspace: "beta", versions: [b1]) == [.stale(sequence: 1)])
        try database.terminateConnections(of: listener)
        // The listener reconnects and says it may have missed some ("*"), then hears again.
        #expect(signal.wait(timeout: .now() + 10) == .success)
        #expect(heard.names == ["beta", "*"])
        _ = try writer.push(workspace: "alpha", versions: [Fixtures.account("a1")])
        #expect(signal.wait(timeout: .now() + 10) == .success)
        #expect(heard.names == ["beta", "*", "alpha"])
    }

    // MARK: schema

    @Test func processesOpeningANewDatabaseTogetherMigrateOnceAndShareOneEpoch() throws {
        let database = try PostgresDatabase()
        let epochs = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 6) { index in
            do {
                let store = try database.open()
                defer { store.close() }
                epochs.record(store.epoch, .success([]))
            } catch {
                epochs.record("failed: \(error)", .failure(error))
            }
        }
        #expect(epochs.names.count == 6)
        #expect(Set(epochs.names).count == 1, "\(epochs.names)")
        let store = try database.open()
        defer { store.close() }
        // Each of the two migration steps recorded once.
        #expect(try database.scalar("SELECT count(*) FROM \(database.schema).rapport_migration") == 2)
        #expect(try store.workspaces().isEmpty)
    }

    @Test func aSchemaWithOtherTablesOrFromANewerRapportIsRefusedUntouched() throws {
        let database = try PostgresDatabase()
        try database.execute("CREATE SCHEMA \(database.schema)")
        try database.execute("CREATE TABLE \(database.schema).invoices (id int)")
        #expect { try database.open() } throws: { ($0 as? StoreError)?.code == .notARapportDatabase }
        #expect(try database.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = '\(database.schema)'") == 1)

        let newer = try PostgresDatabase()
        try newer.open().close()
        try newer.execute("INSERT INTO \(newer.schema).rapport_migration (version, name) VALUES (99, 'from the future')")
        #expect { try newer.open() } throws: { error in
            (error as? StoreError)?.code == .newerSchema && "\(error)".contains("upgrade rapport")
        }
    }

    @Test(arguments: [
        ("mysql://rapport@localhost/rapport", "must start with postgres://"),
        ("postgres://localhost/rapport", "names no user"),
        ("postgres://rapport@localhost", "names no database"),
        ("postgres://rapport@localhost/rapport?schema=Robert');DROP", "not a valid schema name"),
        ("postgres://rapport@localhost/rapport?sslmode=bogus", "sslmode=bogus is not supported"),
        ("postgres://rapport@localhost/rapport?colour=blue", "unknown URL parameter 'colour'"),
        ("postgres://rapport@localhost:99999/rapport", "port"),
    ])
    func aBadURLSaysWhatIsWrong(url: String, says: String) {
        #expect { try PostgresLocation(url: url) } throws: { error in
            (error as? StoreError)?.code == .invalidArgument && "\(error)".contains(says)
        }
    }

    @Test func anUnreachableServerIsBusyWithAClearMessageNotACrash() throws {
        let port = try PostgresDatabase.closedPort()
        #expect { try PostgresStore.open(url: "postgres://rapport@127.0.0.1:\(port)/rapport") } throws: { error in
            (error as? StoreError)?.code == .busy && "\(error)".contains("check the URL, that PostgreSQL runs")
        }
    }

    @Test func aPasswordNeverAppearsInTheLocationShown() throws {
        let location = try PostgresLocation(url: "postgres://rapport:s3cret@db.internal:6543/team?schema=rapport")
        #expect(location.redacted == "postgres://rapport@db.internal:6543/team?schema=rapport")
        #expect(location.password == "s3cret")
    }
}

// MARK: helpers

/// A schema of its own in the test database, with a raw connection for setting up and inspecting.
final class PostgresDatabase: Sendable {
    static let url = ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
    let admin: PostgresStore

    init() throws {
        guard let url = Self.url else { throw StoreError(code: .invalidArgument, message: "RAPPORT_TEST_POSTGRES is not set") }
        // The admin handle works in a scratch schema of its own, so it never migrates the tested one.
        admin = try PostgresStore.open(url: url + "?schema=\(schema)_admin", maximumConnections: 1)
    }

    deinit {
        try? execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try? admin.dropSchema()
    }

    /// A store (one "server process") on the tested schema.
    func open(maximumConnections: Int = 3) throws -> PostgresStore {
        try PostgresStore.open(url: (Self.url ?? "") + "?schema=\(schema)", maximumConnections: maximumConnections, statementTimeout: 5)
    }

    func execute(_ sql: String) throws {
        _ = try admin.integers(unsafeSQL: sql)
    }

    func scalar(_ sql: String) throws -> Int64 {
        try admin.integers(unsafeSQL: sql).first ?? -1
    }

    /// Kills every connection `store` holds (its pool and its listener), as a restart would.
    func terminateConnections(of store: PostgresStore) throws {
        _ = try admin.integers(unsafeSQL: """
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND application_name = '\(store.applicationName)'
            """)
    }

    /// A loopback port nothing listens on.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Results gathered from several threads.
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [(String, Result<[ServerPushOutcome], any Error>)] = []

    func record(_ name: String, _ result: Result<[ServerPushOutcome], any Error>) {
        lock.withLock { results.append((name, result)) }
    }

    var names: [String] { lock.withLock { results.map(\.0) } }

    /// The sequence of each named push's first outcome (throws the first failure).
    func sequences() throws -> [String: Int64] {
        try lock.withLock {
            var sequences: [String: Int64] = [:]
            for (name, result) in results {
                if case .accepted(let sequence) = try result.get().first { sequences[name] = sequence }
            }
            return sequences
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() -> Int { lock.withLock { count += 1; return count } }
    var value: Int { lock.withLock { count } }
}

extension ServerPushOutcome {
    var isStored: Bool {
        switch self {
        case .accepted, .merged: true
        case .stale, .rejected: false
        }
    }
}

import ArgumentParser
import Foundation
import RapportClient
import RapportServer
import RapportStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The PostgreSQL backend beside the SQLite one, in one run: push speed, many workspaces at once
/// versus one hot workspace, delta pulls in a large workspace, and a sync through two server
/// processes on one database. Every server is a real `rapport serve` process; every client is the
/// real sync client over loopback.
struct PostgresBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "PostgreSQL backend vs SQLite: push, 100 workspaces vs one, delta pulls at 10k vs 1M, two server processes.")

    @Option(help: "A PostgreSQL database (default $RAPPORT_TEST_POSTGRES); the bench works in schemas of its own and drops them.")
    var postgres: String?
    @Option(help: "Records pushed per push figure.") var records = 100_000
    @Option(help: "Concurrent clients, each in its own workspace (and then all in one).") var workspaces = 100
    @Option(help: "Versions in the small workspace for the delta pull.") var small = 10_000
    @Option(help: "Versions in the large workspace for the delta pull.") var large = 1_000_000
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        guard let base = postgres ?? ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES"] else {
            throw BenchError("give --postgres URL (eval \"$(scripts/postgres.sh start)\" starts a throwaway cluster)")
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let schema = "bench_" + String(UInt32.random(in: .min ... .max), radix: 16)
        let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        let database = try PostgresStore.open(url: url)
        defer { try? database.dropSchema() }
        let file = try ServerStore.open(at: directory.appendingPathComponent("server.db").path, create: true)

        // Workspaces and tokens, the same on both backends.
        let names = ["push", "two", "one", "small", "large", "hot"] + (0..<workspaces).map { "w\($0)" }
        var secrets: [String: String] = [:]
        for name in names {
            let (id, secret) = TokenSecrets.generate()
            for store in [database, file] as [any ServerDatabase] {
                _ = try store.addWorkspace(name)
                _ = try store.addToken(id: id, workspace: name, label: "bench", secretHash: TokenSecrets.hash(secret))
            }
            secrets[name] = secret
        }
        try SyncBench.populate(database, workspace: "small", count: small)
        try SyncBench.populate(database, workspace: "large", count: large)

        let sqliteServer = try startRapportServer(arguments: ["--db", file.path])
        let first = try startRapportServer(arguments: ["--postgres", url])
        let second = try startRapportServer(arguments: ["--postgres", url])
        defer {
            for child in [sqliteServer, first, second] { child.process.terminate(); child.process.waitUntilExit() }
        }
        func address(_ child: (process: Process, port: Int)) -> URL { URL(string: "http://127.0.0.1:\(child.port)")! }

        // 1. One client pushes `records` into one workspace: SQLite, then PostgreSQL (B pulls through the same process).
        let onSQLite = try await SyncBench.syncOnce(records: records, directory: directory.appendingPathComponent("sqlite"),
                                                    pushURL: address(sqliteServer), pullURL: address(sqliteServer),
                                                    workspace: "push", secret: secrets["push"]!, compression: false)
        let onPostgres = try await SyncBench.syncOnce(records: records, directory: directory.appendingPathComponent("pg"),
                                                      pushURL: address(first), pullURL: address(first),
                                                      workspace: "push", secret: secrets["push"]!, compression: false)
        // 2. The same through two processes: A pushes through one, B pulls through the other.
        let twoProcesses = try await SyncBench.syncOnce(records: records, directory: directory.appendingPathComponent("two"),
                                                        pushURL: address(first), pullURL: address(second),
                                                        workspace: "two", secret: secrets["two"]!, compression: false)
        // 3. `workspaces` clients at once, spread over both processes: each into its own workspace, then all into one.
        let each = max(1, records / workspaces)
        let spread = try await concurrentPush(directory: directory.appendingPathComponent("spread"), servers: [address(first), address(second)],
                                              workspaces: (0..<workspaces).map { ("w\($0)", secrets["w\($0)"]!) }, each: each)
        let hot = try await concurrentPush(directory: directory.appendingPathComponent("hot"), servers: [address(first), address(second)],
                                           workspaces: Array(repeating: ("hot", secrets["hot"]!), count: workspaces), each: each)
        // 4. Delta pulls of 100 changes at the end of a small and a large workspace.
        let deltaSmall = try await SyncBench.deltaPull(url: address(first), token: secrets["small"]!, workspace: "small", base: Int64(small))
        let deltaLarge = try await SyncBench.deltaPull(url: address(first), token: secrets["large"]!, workspace: "large", base: Int64(large))

        let n = Double(records)
        let total = Double(each * workspaces)
        printFigures([
            ("records", n),
            ("push_sqlite_per_s", n / onSQLite.push),
            ("push_postgres_per_s", n / onPostgres.push),
            ("push_postgres_vs_sqlite", onSQLite.push / onPostgres.push),
            ("pull_sqlite_per_s", n / onSQLite.pull),
            ("pull_postgres_per_s", n / onPostgres.pull),
            ("sync_one_process_per_s", n / (onPostgres.push + onPostgres.pull)),
            ("sync_two_processes_per_s", n / (twoProcesses.push + twoProcesses.pull)),
            ("two_vs_one_process", (onPostgres.push + onPostgres.pull) / (twoProcesses.push + twoProcesses.pull)),
            ("clients", Double(workspaces)),
            ("push_spread_per_s", total / spread),
            ("push_hot_per_s", total / hot),
            ("spread_vs_hot", hot / spread),
            ("delta_pull_ms_small", deltaSmall),
            ("delta_pull_ms_large", deltaLarge),
            ("delta_pull_ratio", deltaLarge / deltaSmall),
            ("server_peak_rss_mb", peakRSSMegabytes(pid: first.process.processIdentifier)),
        ], json: json)
    }

    /// Seconds until one client per entry of `workspaces`, all at once and alternating between
    /// `servers`, have each pushed `each` new accounts (the end of the last one's push phase; the
    /// pulls that follow are not counted: with one hot workspace every client would pull them all).
    private func concurrentPush(directory: URL, servers: [URL], workspaces: [(name: String, secret: String)], each: Int) async throws -> Double {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var stores: [Store] = []
        for (index, _) in workspaces.enumerated() {
            let store = try Store.create(at: directory.appendingPathComponent("c\(index).db").path, name: "c\(index)", identity: .none)
            try store.batch { batch in
                for i in 0..<each { try batch.create(SyncBench.account(index * 1_000_000 + i)) }
            }
            stores.append(store)
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let pushed = LastTime()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, workspace) in workspaces.enumerated() {
                let store = stores[index], server = servers[index % servers.count]
                group.addTask {
                    let transport = URLSessionTransport(baseURL: server, token: workspace.secret, timeout: 300)
                    var options = SyncOptions()
                    options.compression = false
                    let report = try await SyncSession(store: store, transport: transport, workspace: workspace.name, options: options) { progress in
                        if progress.phase == .pushing, progress.done == progress.total { pushed.mark() }
                    }.sync()
                    return report.acknowledged
                }
            }
            var acknowledged = 0
            for try await count in group { acknowledged += count }
            guard acknowledged == each * workspaces.count else {
                throw BenchError("acknowledged \(acknowledged) of \(each * workspaces.count)")
            }
        }
        return Double(pushed.latest - started) / 1e9
    }
}

/// The latest of several moments marked from several tasks.
final class LastTime: @unchecked Sendable {
    private let lock = NSLock()
    private var last: UInt64 = 0
    func mark() { lock.withLock { last = max(last, DispatchTime.now().uptimeNanoseconds) } }
    var latest: UInt64 { lock.withLock { last } }
}

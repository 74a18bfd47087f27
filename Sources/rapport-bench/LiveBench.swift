import ArgumentParser
import CSQLite
import Foundation
import RapportClient
import RapportModel
import RapportServer
import RapportStore

/// Edit on one replica → observed on another, both in live sync through a real `rapport serve`.
///
/// Replica A and replica B each run `LiveSync` (the transport the CLI uses); B observes the edited
/// account with `Store.observe`. Each edit changes A's account owner and waits for B's observation
/// to yield the new owner: the time between is what a person on the other device waits. It holds
/// A's debounce, A's push, the server's wake-up of B's long poll, B's pull and apply, and B's
/// observation. Beside it, in the same run, the same update as one raw SQLite transaction.
struct LiveBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Latency from an edit on replica A to the observed change on replica B, both in live sync (median, p90, p99).")

    @Option(help: "Edits timed (each waits for the previous one to arrive).") var edits = 200
    @Option(help: "LiveSync debounce in milliseconds (the app default is 150).") var debounce = 150
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let serverPath = directory.appendingPathComponent("server.db").path
        let (server, secrets) = try makeServerDatabase(at: serverPath, workspaces: ["team"])
        server.close()
        let secret = secrets["team"]!
        let child = try startRapportServer(databasePath: serverPath)
        defer { child.process.terminate(); child.process.waitUntilExit() }
        let url = URL(string: "http://127.0.0.1:\(child.port)")!

        let a = try Store.create(at: directory.appendingPathComponent("a.rapport").path, name: "a", identity: .none)
        let b = try Store.create(at: directory.appendingPathComponent("b.rapport").path, name: "b", identity: .none)
        var options = LiveSyncOptions()
        options.debounce = .milliseconds(debounce)
        let runs = [a, b].map { store in
            let live = SyncSession(store: store, transport: makeTransport(server: url, token: secret), workspace: "team").live(options)
            return Task { await live.run() }
        }
        defer { for run in runs { run.cancel() } }

        // B's screen: the owner of one account, redrawn (here: timestamped) on every change.
        let arrivals = Arrivals()
        let watcher = Task {
            for try await owner in b.observe({ try $0.accounts.get(id: "acme")?.owner }).removeDuplicates() {
                if let owner { arrivals.record(owner) }
            }
        }
        defer { watcher.cancel() }

        try a.accounts.create(Account(id: "acme", name: "Acme", owner: "start"))
        guard await arrivals.wait(for: "start", seconds: 30) != nil else { throw BenchError("the first account never reached replica B") }

        var latencies: [Double] = []
        for i in 0..<edits {
            let owner = "owner-\(i)"
            let started = Date()
            try a.accounts.update(id: "acme") { $0.owner = owner }
            guard let arrived = await arrivals.wait(for: owner, seconds: 30) else {
                throw BenchError("edit \(i) did not reach replica B within 30 s")
            }
            latencies.append(arrived.timeIntervalSince(started) * 1000)
        }
        latencies.sort()
        let rawMillis = try rawUpdate(directory.appendingPathComponent("raw.db").path, count: edits)
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)] }
        printFigures([
            ("edits", Double(edits)),
            ("debounce_ms", Double(debounce)),
            ("latency_ms_median", percentile(0.5)),
            ("latency_ms_p90", percentile(0.9)),
            ("latency_ms_p99", percentile(0.99)),
            ("latency_ms_max", latencies.last ?? 0),
            ("latency_ms_median_minus_debounce", percentile(0.5) - Double(debounce)),
            ("raw_sqlite_update_ms", rawMillis),
            ("client_peak_rss_mb", peakRSSMegabytes()),
        ], json: json)
    }

    /// The same single-row update as one transaction of plain SQLite: the floor of a local write.
    private func rawUpdate(_ path: String, count: Int) throws -> Double {
        let raw = try RawSQLite(path: path)
        try raw.exec("CREATE TABLE account (id TEXT PRIMARY KEY, name TEXT, owner TEXT)")
        try raw.exec("INSERT INTO account VALUES ('acme', 'Acme', 'start')")
        let update = try raw.prepare("UPDATE account SET owner = ? WHERE id = 'acme'")
        let started = Date()
        for i in 0..<count {
            try raw.exec("BEGIN IMMEDIATE")
            raw.bind(update, 1, "owner-\(i)")
            try raw.step(update)
            try raw.exec("COMMIT")
        }
        sqlite3_finalize(update)
        return Date().timeIntervalSince(started) * 1000 / Double(count)
    }

    /// When each owner value was observed on replica B.
    final class Arrivals: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [String: Date] = [:]

        func record(_ owner: String) {
            let now = Date()
            lock.withLock { if seen[owner] == nil { seen[owner] = now } }
        }

        func wait(for owner: String, seconds: Double) async -> Date? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let date = lock.withLock({ seen[owner] }) { return date }
                try? await Task.sleep(for: .milliseconds(1))
            }
            return nil
        }
    }
}

import ArgumentParser
import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportServer
import RapportStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// End-to-end sync: replica A pushes N records to a real `rapport serve` process over loopback,
/// replica B pulls them; plus delta-pull latency from a small and a large workspace.
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "A → server → B over loopback; wire bytes, peak memory of client and server, delta pulls at 10k vs 1M versions.")

    @Option(help: "Records synced end to end.") var records = 100_000
    @Option(help: "Versions in the small workspace for the delta pull.") var small = 10_000
    @Option(help: "Versions in the large workspace for the delta pull.") var large = 1_000_000
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let serverPath = directory.appendingPathComponent("server.db").path
        // One token per workspace: a token only ever reaches its own workspace.
        let (server, secrets) = try makeServerDatabase(at: serverPath, workspaces: ["plain", "gzip", "small", "large"])
        // Delta-pull fixtures are written straight into the server's store (HTTP would only slow the setup).
        try Self.populate(server, workspace: "small", count: small)
        try Self.populate(server, workspace: "large", count: large)

        let child = try startRapportServer(databasePath: serverPath)
        defer { child.process.terminate(); child.process.waitUntilExit() }
        let url = URL(string: "http://127.0.0.1:\(child.port)")!

        // The same rows into plain SQLite, in this run: what a sync is measured against.
        let rawSeconds = try rawInsert(directory.appendingPathComponent("raw.db").path)
        // Once without compression (the speed on a fast local network), once with gzip (the bytes
        // a phone's network carries), each from a fresh pair of replicas into its own workspace.
        let plain = try await syncOnce(directory: directory, url: url, workspace: "plain", secret: secrets["plain"]!, compression: false)
        let gzip = try await syncOnce(directory: directory, url: url, workspace: "gzip", secret: secrets["gzip"]!, compression: true)

        let deltaSmall = try await Self.deltaPull(url: url, token: secrets["small"]!, workspace: "small", base: Int64(small))
        let deltaLarge = try await Self.deltaPull(url: url, token: secrets["large"]!, workspace: "large", base: Int64(large))
        let n = Double(records)
        let rate = n / (plain.push + plain.pull)
        printFigures([
            ("records", n),
            ("records_per_s", rate),
            ("raw_insert_per_s", n / rawSeconds),
            ("sync_vs_raw", rate / (n / rawSeconds)),
            ("push_records_per_s", n / plain.push),
            ("pull_records_per_s", n / plain.pull),
            ("bytes_per_record", Double(plain.pullBytes) / n),
            ("push_bytes_per_record", Double(plain.pushBytes) / n),
            ("gzip_records_per_s", n / (gzip.push + gzip.pull)),
            ("gzip_bytes_per_record", Double(gzip.pullBytes) / n),
            ("gzip_push_bytes_per_record", Double(gzip.pushBytes) / n),
            ("client_peak_rss_mb", peakRSSMegabytes()),
            ("server_peak_rss_mb", peakRSSMegabytes(pid: child.process.processIdentifier)),
            ("delta_pull_ms_small", deltaSmall),
            ("delta_pull_ms_large", deltaLarge),
            ("delta_pull_ratio", deltaLarge / deltaSmall),
        ], json: json)
    }

    /// What one A → server → B sync of `records` accounts took, and the bytes it moved.
    struct Run {
        var push = 0.0, pull = 0.0
        var pushBytes = 0, pullBytes = 0
    }

    private func syncOnce(directory: URL, url: URL, workspace: String, secret: String, compression: Bool) async throws -> Run {
        try await Self.syncOnce(records: records, directory: directory, pushURL: url, pullURL: url, workspace: workspace, secret: secret,
                                compression: compression)
    }

    /// Replica A pushes `records` new accounts through `pushURL`, then a fresh replica B pulls
    /// them through `pullURL` (the same server, or another process on the same database).
    static func syncOnce(records: Int, directory: URL, pushURL: URL, pullURL: URL, workspace: String, secret: String,
                         compression: Bool) async throws -> Run {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let a = try Store.create(at: directory.appendingPathComponent("\(workspace)-a.db").path, name: "a", identity: .none)
        let b = try Store.create(at: directory.appendingPathComponent("\(workspace)-b.db").path, name: "b", identity: .none)
        // Written in transactions of 10,000, as an app importing a large file would.
        var written = 0
        while written < records {
            let end = min(records, written + 10_000)
            try a.batch { batch in
                for i in written..<end { try batch.create(Self.account(i)) }
            }
            written = end
        }
        var options = SyncOptions()
        options.compression = compression
        let pushCounter = CountingTransport(URLSessionTransport(baseURL: pushURL, token: secret, timeout: 120))
        let pullCounter = CountingTransport(URLSessionTransport(baseURL: pullURL, token: secret, timeout: 120))
        var run = Run()
        var pushed = 0, pulled = 0
        run.push = try await timeAsync { pushed = try await SyncSession(store: a, transport: pushCounter, workspace: workspace, options: options).sync().acknowledged }
        run.pull = try await timeAsync { pulled = try await SyncSession(store: b, transport: pullCounter, workspace: workspace, options: options).sync().inserted }
        guard pushed == records, pulled == records else { throw BenchError("\(workspace): pushed \(pushed), pulled \(pulled); expected \(records) each") }
        run.pushBytes = pushCounter.bytes.value
        run.pullBytes = pullCounter.bytes.value
        return run
    }

    static func account(_ i: Int) -> Account {
        Account(id: "acct-\(i)", name: "Account \(i)", segment: ["smb", "mid", "enterprise"][i % 3],
                arr: Double(i % 500) * 1_000, owner: "csm-\(i % 40)")
    }

    /// Seconds raw SQLite takes to insert the same account rows in one transaction.
    private func rawInsert(_ path: String) throws -> Double {
        let raw = try RawSQLite(path: path)
        try raw.exec("CREATE TABLE account (id TEXT PRIMARY KEY NOT NULL, name TEXT, segment TEXT, arr REAL, renewalDate REAL, owner TEXT)")
        let insert = try raw.prepare("INSERT INTO account (id, name, segment, arr, renewalDate, owner) VALUES (?, ?, ?, ?, NULL, ?)")
        defer { raw.finalize(insert) }
        return try time {
            try raw.exec("BEGIN IMMEDIATE")
            for i in 0..<records {
                let account = Self.account(i)
                raw.bind(insert, 1, account.id)
                raw.bind(insert, 2, account.name)
                raw.bind(insert, 3, account.segment)
                raw.bind(insert, 4, account.arr)
                raw.bind(insert, 5, account.owner)
                try raw.step(insert)
            }
            try raw.exec("COMMIT")
        }
    }

    /// `count` records in `workspace`, then 100 more: the delta a client at `count` pulls.
    static func populate(_ server: any ServerDatabase, workspace: String, count: Int) throws {
        let replica = ReplicaID.random()
        var hlc = HybridLogicalClock()
        var made = 0
        while made < count + 100 {
            let batch = (made..<min(count + 100, made + 10_000)).map { i in
                RecordVersion.create(entity: "account", id: "w-\(i)",
                                     fields: Account(id: "", name: "Account \(i)", segment: "smb", arr: Double(i), owner: "csm").fieldValues,
                                     stamp: Stamp(hlc: hlc.tick(now: Int64(Date().timeIntervalSince1970 * 1000)), replica: replica))
            }
            _ = try server.push(workspace: workspace, versions: batch)
            made += batch.count
        }
    }

    /// Median of 21 timed GETs of the 100 changes after `base`.
    static func deltaPull(url: URL, token: String, workspace: String, base: Int64) async throws -> Double {
        let transport = URLSessionTransport(baseURL: url, token: token)
        let epoch = try await health(transport)
        var samples: [Double] = []
        for _ in 0..<21 {
            let request = TransportRequest(method: "GET", path: "/v1/workspaces/\(workspace)/changes",
                                           query: [URLQueryItem(name: "protocolVersion", value: "1"), URLQueryItem(name: "since", value: "\(epoch):\(base)"),
                                                   URLQueryItem(name: "limit", value: "100")])
            var status = 0
            samples.append(try await timeAsync { status = try await transport.send(request).status } * 1000)
            guard status == 200 else { throw BenchError("delta pull answered \(status)") }
        }
        return samples.sorted()[samples.count / 2]
    }

    static func health(_ transport: URLSessionTransport) async throws -> String {
        let response = try await transport.send(TransportRequest(method: "GET", path: "/health"))
        guard let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any], let epoch = object["epoch"] as? String else {
            throw BenchError("health answered without an epoch")
        }
        return epoch
    }
}

/// Counts the body bytes that cross the wire in both directions: a request body as sent (gzipped
/// when the client gzipped it), an answer by its `Content-Length` (what arrived before `URLSession`
/// inflated it), or its body when there is none.
final class CountingTransport: Transport {
    let inner: URLSessionTransport
    let bytes = Counter()
    init(_ inner: URLSessionTransport) { self.inner = inner }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await inner.send(request)
        if ProcessInfo.processInfo.environment["RAPPORT_BENCH_TRACE"] != nil {
            print("send \(request.method) \(request.body?.count ?? 0)B -> \(response.body.count)B in \((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000) ms")
        }
        bytes.add((request.body?.count ?? 0) + (response.header("Content-Length").flatMap(Int.init) ?? response.body.count))
        return response
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) { lock.withLock { total += n } }
    var value: Int { lock.withLock { total } }
}

func timeAsync(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

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
        let server = try ServerStore.open(at: serverPath, create: true)
        // One token per workspace: a token only ever reaches its own workspace.
        var secrets: [String: String] = [:]
        for workspace in ["bench", "small", "large"] {
            _ = try server.addWorkspace(workspace)
            let (id, secret) = TokenSecrets.generate()
            _ = try server.addToken(id: id, workspace: workspace, label: "bench", secretHash: TokenSecrets.hash(secret))
            secrets[workspace] = secret
        }
        let secret = secrets["bench"]!
        // Delta-pull fixtures are written straight into the server's store (HTTP would only slow the setup).
        try populate(server, workspace: "small", count: small)
        try populate(server, workspace: "large", count: large)

        let child = try startServer(databasePath: serverPath)
        defer { child.process.terminate(); child.process.waitUntilExit() }
        let url = URL(string: "http://127.0.0.1:\(child.port)")!

        let a = try Store.create(at: directory.appendingPathComponent("a.db").path, name: "a")
        let b = try Store.create(at: directory.appendingPathComponent("b.db").path, name: "b")
        try a.batch { batch in
            for i in 0..<records {
                try batch.create(Account(id: "acct-\(i)", name: "Account \(i)", segment: ["smb", "mid", "enterprise"][i % 3],
                                         arr: Double(i % 500) * 1_000, owner: "csm-\(i % 40)"))
            }
        }
        let pushCounter = CountingTransport(URLSessionTransport(baseURL: url, token: secret, timeout: 120))
        let pullCounter = CountingTransport(URLSessionTransport(baseURL: url, token: secret, timeout: 120))
        var pushSeconds = 0.0, pullSeconds = 0.0
        var pushed = 0, pulled = 0
        pushSeconds = try await timeAsync { pushed = try await SyncSession(store: a, transport: pushCounter, workspace: "bench").sync().acknowledged }
        pullSeconds = try await timeAsync { pulled = try await SyncSession(store: b, transport: pullCounter, workspace: "bench").sync().inserted }
        guard pushed == records, pulled == records else { throw BenchError("pushed \(pushed), pulled \(pulled); expected \(records) each") }

        let deltaSmall = try await deltaPull(url: url, token: secrets["small"]!, workspace: "small", base: Int64(small))
        let deltaLarge = try await deltaPull(url: url, token: secrets["large"]!, workspace: "large", base: Int64(large))
        let n = Double(records)
        printFigures([
            ("records", n),
            ("records_per_s", n / (pushSeconds + pullSeconds)),
            ("push_records_per_s", n / pushSeconds),
            ("pull_records_per_s", n / pullSeconds),
            ("bytes_per_record", Double(pullCounter.bytes.value) / n),
            ("push_bytes_per_record", Double(pushCounter.bytes.value) / n),
            ("client_peak_rss_mb", peakRSSMegabytes()),
            ("server_peak_rss_mb", peakRSSMegabytes(pid: child.process.processIdentifier)),
            ("delta_pull_ms_small", deltaSmall),
            ("delta_pull_ms_large", deltaLarge),
            ("delta_pull_ratio", deltaLarge / deltaSmall),
        ], json: json)
    }

    /// `count` records in `workspace`, then 100 more: the delta a client at `count` pulls.
    private func populate(_ server: ServerStore, workspace: String, count: Int) throws {
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
    private func deltaPull(url: URL, token: String, workspace: String, base: Int64) async throws -> Double {
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

    private func health(_ transport: URLSessionTransport) async throws -> String {
        let response = try await transport.send(TransportRequest(method: "GET", path: "/health"))
        guard let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any], let epoch = object["epoch"] as? String else {
            throw BenchError("health answered without an epoch")
        }
        return epoch
    }

    /// Starts `rapport serve` (built next to this program) on a free port and waits until it listens.
    private func startServer(databasePath: String) throws -> (process: Process, port: Int) {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rapport")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw BenchError("build the CLI first: swift build -c release --product rapport (looked for \(executable.path))")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--db", databasePath, "--port", "0", "--log-level", "warning"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        while true {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw BenchError("the server exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
               let port = Int(text[range].split(separator: ":").last ?? "") {
                return (process, port)
            }
        }
    }
}

/// Counts the body bytes that cross the wire in both directions.
final class CountingTransport: Transport {
    let inner: URLSessionTransport
    let bytes = Counter()
    init(_ inner: URLSessionTransport) { self.inner = inner }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let response = try await inner.send(request)
        bytes.add((request.body?.count ?? 0) + response.body.count)
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

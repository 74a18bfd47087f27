import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RapportMerge
import RapportModel
import RapportProtocol
import RapportServerCore

/// Push requests per second with small batches against a Hummingbird hello-world, both loaded by
/// `wrk` in the same run: how much of the HTTP stack's own speed the sync endpoint keeps.
struct ServerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "wrk against POST /push (new records in small batches) and against a Hummingbird hello-world, side by side.")

    @Option(help: "Seconds of load per target.") var seconds = 10
    @Option(help: "Open connections (wrk -c).") var connections = 16
    @Option(help: "wrk threads (wrk -t).") var threads = 2
    @Option(help: "Record versions per push.") var batch = 10
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw BenchError("this benchmark drives load with wrk: apt-get install -y wrk")
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let serverPath = directory.appendingPathComponent("server.db").path
        let server = try ServerStore.open(at: serverPath, create: true)
        _ = try server.addWorkspace("load")
        let (id, secret) = TokenSecrets.generate()
        _ = try server.addToken(id: id, workspace: "load", label: "bench", secretHash: TokenSecrets.hash(secret))

        let child = try startRapportServer(databasePath: serverPath)
        defer { child.process.terminate(); child.process.waitUntilExit() }
        let hello = try await HelloWorld.start()
        defer { hello.stop() }

        let script = directory.appendingPathComponent("push.lua")
        try pushScript(secret: secret).write(to: script, atomically: true, encoding: .utf8)
        let push = try load(wrk, url: "http://127.0.0.1:\(child.port)\(Route.push(workspace: "load"))", script: script.path)
        let helloRun = try load(wrk, url: "http://127.0.0.1:\(hello.port)/hello", script: nil)
        guard push.failures == 0, helloRun.failures == 0 else {
            throw BenchError("non-2xx answers under load: push \(push.failures), hello \(helloRun.failures)")
        }
        let stored = try server.latestSequence(workspace: "load")
        printFigures([
            ("push_req_per_s", push.requestsPerSecond),
            ("push_versions_per_s", push.requestsPerSecond * Double(batch)),
            ("hello_req_per_s", helloRun.requestsPerSecond),
            ("push_vs_hello", push.requestsPerSecond / helloRun.requestsPerSecond),
            ("versions_stored", Double(stored)),
            ("server_peak_rss_mb", peakRSSMegabytes(pid: child.process.processIdentifier)),
        ], json: json)
    }

    private struct Load {
        let requestsPerSecond: Double
        let failures: Int
    }

    /// Runs wrk for `seconds` and reads its summary.
    private func load(_ wrk: String, url: String, script: String?) throws -> Load {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--timeout", "10s"] + (script.map { ["-s", $0] } ?? []) + [url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        func number(after label: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }) else { return nil }
            return Double(line.split(separator: " ").last ?? "")
        }
        guard process.terminationStatus == 0, let rate = number(after: "Requests/sec:") else {
            throw BenchError("wrk failed on \(url):\n\(text)")
        }
        return Load(requestsPerSecond: rate, failures: Int(number(after: "Non-2xx or 3xx responses:") ?? 0))
    }

    /// A wrk script whose every request pushes `batch` new accounts (ids unique per thread and
    /// request), stamped with the current time so none is refused for clock drift.
    private func pushScript(secret: String) throws -> String {
        let replica = ReplicaID.random()
        let sample = RecordVersion.create(
            entity: "account", id: "IDPLACEHOLDER",
            fields: Account(id: "", name: "Account", segment: "smb", arr: 1000, owner: "csm").fieldValues,
            stamp: Stamp(hlc: HLCTimestamp(wallMillis: 1_111_111_111_111), replica: replica))
        let template = String(decoding: try WireCoding.encoder().encode(sample), as: UTF8.self)
        return """
            local threads = 0
            function setup(thread)
              threads = threads + 1
              thread:set("tid", threads)
            end
            local counter = 0
            local template = [[\(template)]]
            request = function()
              counter = counter + 1
              local now = string.format("%d", os.time() * 1000)
              local stamped = template:gsub("1111111111111", now)
              local parts = {}
              for i = 1, \(batch) do
                parts[i] = stamped:gsub("IDPLACEHOLDER", string.format("w%d-%d-%d", tid, counter, i))
              end
              local body = '{"protocolVersion":1,"replica":"\(replica.rawValue)","versions":[' .. table.concat(parts, ",") .. ']}'
              return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer \(secret)"}, body)
            end
            """
    }
}

/// A Hummingbird server answering `GET /hello` with a short text: the ceiling any endpoint on
/// this HTTP stack and machine can reach.
struct HelloWorld {
    let port: Int
    let task: Task<Void, any Error>

    static func start() async throws -> HelloWorld {
        let router = Router()
        router.get("/hello") { _, _ in "Hello, world!" }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                sink.yield(channel.localAddress?.port ?? 0)
                sink.finish()
            },
            logger: {
                var logger = Logger(label: "hello")
                logger.logLevel = .error
                return logger
            }())
        let task = Task { try await application.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw BenchError("the hello-world server did not start")
        }
        return HelloWorld(port: port, task: task)
    }

    func stop() { task.cancel() }
}

import ArgumentParser
import Foundation
import RapportClient
import RapportProtocol
import RapportServer
import RapportStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a client pays while a long poll waits with nothing to say, and small pulls per second,
/// for `URLSessionTransport` and `SocketTransport` in the same run against a real `rapport serve`.
struct TransportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport-idle",
        abstract: "CPU of a long poll that gets no change, and small pulls per second: URLSession vs sockets, same run.")

    @Option(help: "Seconds the long poll waits (the server's limit is 30).") var wait = 10
    @Option(help: "Small pulls (10 changes each) timed per transport.") var pulls = 1_000
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let serverPath = directory.appendingPathComponent("server.db").path
        let (server, secrets) = try makeServerDatabase(at: serverPath, workspaces: ["idle", "pulls"])
        try SyncBench.populate(server, workspace: "pulls", count: 0)
        let child = try startRapportServer(databasePath: serverPath)
        defer { child.process.terminate(); child.process.waitUntilExit() }
        let url = URL(string: "http://127.0.0.1:\(child.port)")!

        // Sockets first: a URLSession thread still spinning afterwards would not be charged to them.
        let kinds: [(String, (String) -> any Transport)] = [
            ("socket", { SocketTransport(baseURL: url, token: $0, timeout: 30) }),
            ("urlsession", { URLSessionTransport(baseURL: url, token: $0, timeout: 30) }),
        ]
        var figures: [(String, Double)] = [("wait_s", Double(wait))]
        for (name, make) in kinds {
            let idle = try await longPoll(make(secrets["idle"]!), directory: directory)
            let rate = try await pullRate(make(secrets["pulls"]!))
            figures += [("\(name)_poll_wall_s", idle.wall), ("\(name)_poll_user_s", idle.user), ("\(name)_poll_sys_s", idle.sys),
                        ("\(name)_poll_cpu_percent", (idle.user + idle.sys) / idle.wall * 100), ("\(name)_pulls_per_s", rate)]
        }
        printFigures(figures, json: json)
    }

    struct Usage { var wall = 0.0, user = 0.0, sys = 0.0 }

    /// What `rapport sync --wait N` does with nothing new: a fresh replica's sync of an empty
    /// workspace, whose one pull the server holds for `wait` seconds.
    private func longPoll(_ transport: any Transport, directory: URL) async throws -> Usage {
        let store = try Store.create(at: directory.appendingPathComponent("idle-\(UUID().uuidString).db").path, name: "idle", identity: .none)
        let session = SyncSession(store: store, transport: transport, workspace: "idle", options: SyncOptions(wait: wait))
        let before = Self.usage()
        let report = try await session.sync()
        let after = Self.usage()
        guard report.pulled == 0 else { throw BenchError("the idle workspace had changes") }
        return Usage(wall: after.wall - before.wall, user: after.user - before.user, sys: after.sys - before.sys)
    }

    /// Sequential pulls of 10 changes per second.
    private func pullRate(_ transport: any Transport) async throws -> Double {
        let query = ChangesQuery(limit: 10)
        _ = try await send(transport, workspace: "pulls", query)
        let seconds = try await timeAsync {
            for _ in 0..<pulls {
                guard try await send(transport, workspace: "pulls", query).changes.count == 10 else { throw BenchError("a pull did not get 10 changes") }
            }
        }
        return Double(pulls) / seconds
    }

    private func send(_ transport: any Transport, workspace: String, _ query: ChangesQuery) async throws -> ChangesResponse {
        let response = try await transport.send(TransportRequest(
            method: "GET", path: Route.changes(workspace: workspace), query: query.queryItems.map { URLQueryItem(name: $0.0, value: $0.1) },
            headers: ["Accept-Encoding": "identity"], timeout: TimeInterval(query.wait)))
        guard response.status == 200 else { throw BenchError("a pull answered \(response.status)") }
        return try WireCoding.decodeChanges(response.body)
    }

    /// This process's wall time and CPU so far (all threads).
    private static func usage() -> Usage {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return Usage(wall: Double(DispatchTime.now().uptimeNanoseconds) / 1e9, user: seconds(usage.ru_utime), sys: seconds(usage.ru_stime))
    }
}

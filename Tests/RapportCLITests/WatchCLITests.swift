import Foundation
import RapportModel
import RapportStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `rapport sync --watch` as people run it: two laptops each watching, edits made by other
/// `rapport` processes, Ctrl-C. And an observed query in this process that sees a commit made by
/// another process on the same file.
@Suite("rapport sync --watch", .serialized)
struct WatchCLITests {
    /// A `rapport sync --watch` process whose output lines are collected as they come.
    final class Watcher: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var text = ""

        init(db: String, in directory: URL, env: [String: String]) throws {
            process.executableURL = try CLITests.binary()
            process.arguments = ["sync", "--watch", "--db", db]
            process.currentDirectoryURL = directory
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RAPPORT_") }.merging(env) { $1 }
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            out.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let chunk = handle.availableData
                guard let self, !chunk.isEmpty else { return }
                self.lock.withLock { self.text += String(decoding: chunk, as: UTF8.self) }
            }
            try process.run()
        }

        var output: String { lock.withLock { text } }

        /// Waits until the output holds `needle` (true) or `seconds` pass (false).
        func waitFor(_ needle: String, seconds: Double = 60) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if output.contains(needle) { return true }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return false
        }

        /// Ctrl-C, then the exit status.
        func interrupt() -> Int32 {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// Polls `rapport account list --json` on `db` until it holds `needle`.
    private func eventuallyListed(_ needle: String, db: String, in dir: URL, seconds: Double = 60) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try CLITests.rapport(["account", "list", "--json", "--db", db], in: dir).out.contains(needle) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    @Test("two watching laptops get each other's edits without anyone running sync, and Ctrl-C stops them cleanly")
    func twoWatchingLaptops() throws {
        try CLITests.withDirectory { dir in
            let (server, env) = try CLITests.serveTeam(dir)
            defer { server.terminate(); server.waitUntilExit() }
            for name in ["a", "b"] { try #require(CLITests.rapport(["init", "--db", "\(name).db", "--name", name], in: dir).status == 0) }
            let a = try Watcher(db: "a.db", in: dir, env: env), b = try Watcher(db: "b.db", in: dir, env: env)
            #expect(a.waitFor("watching") && b.waitFor("watching"))

            try #require(CLITests.rapport(["account", "add", "Globex", "--id", "globex", "--owner", "kim", "--db", "a.db"], in: dir).status == 0)
            #expect(try eventuallyListed("Globex", db: "b.db", in: dir), "b received a's new account")
            #expect(b.waitFor("1 new"), "b printed the batch it received: \(b.output)")

            try #require(CLITests.rapport(["account", "edit", "globex", "--owner", "priya", "--db", "b.db"], in: dir).status == 0)
            #expect(try eventuallyListed("\"owner\" : \"priya\"", db: "a.db", in: dir), "a received b's edit")

            // A one-shot sync of a watched replica gets in (the watch's long poll makes way).
            let oneShot = try CLITests.rapport(["sync", "--db", "a.db"], in: dir, env: env)
            #expect(oneShot.status == 0, "\(oneShot.err)")

            #expect(a.interrupt() == 0)
            #expect(b.interrupt() == 0)
            #expect(a.output.contains("stopped; everything pushed"), "\(a.output)")
            #expect(b.output.contains("stopped; everything pushed"), "\(b.output)")
        }
    }

    @Test("an offline watch says so once, with the reason, and keeps the edit queued")
    func anOfflineWatch() throws {
        try CLITests.withDirectory { dir in
            try #require(CLITests.rapport(["init", "--db", "a.db"], in: dir).status == 0)
            // Nothing listens on port 9 of loopback (discard; never served in tests).
            let env = ["RAPPORT_SERVER": "http://127.0.0.1:9", "RAPPORT_WORKSPACE": "team", "RAPPORT_TOKEN": "rpt_x"]
            try #require(CLITests.rapport(["account", "add", "Globex", "--db", "a.db"], in: dir).status == 0)
            let a = try Watcher(db: "a.db", in: dir, env: env)
            #expect(a.waitFor("offline"), "\(a.output)")
            #expect(a.output.contains("127.0.0.1:9"), "the reason names the server: \(a.output)")
            #expect(a.interrupt() == 0)
            #expect(a.output.contains("1 local change not yet pushed"), "\(a.output)")
        }
    }

    @Test("--wait out of range with --watch is refused before anything runs")
    func badWait() throws {
        try CLITests.withDirectory { dir in
            let result = try CLITests.rapport(["sync", "--watch", "--wait", "0"], in: dir)
            #expect(result.status != 0)
            #expect(result.err.contains("--wait must be 1…30 seconds with --watch"))
        }
    }

    @Test("an observed query in this process sees a commit made by another process on the same file")
    func observationSeesAnotherProcess() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try #require(CLITests.rapport(["init", "--db", "a.db"], in: dir).status == 0)
        let store = try Store.open(at: dir.appendingPathComponent("a.db").path, identity: .none)
        store.externalChangeCheckInterval = .milliseconds(50)
        var names = store.observe { try $0.accounts.list().map(\.name) }.removeDuplicates().makeAsyncIterator()
        #expect(try await names.next() == [])
        let writer = Task.detached {
            try CLITests.rapport(["account", "add", "Written by another process", "--db", "a.db"], in: dir)
        }
        #expect(try await names.next() == ["Written by another process"])
        #expect(try await writer.value.status == 0)
    }
}

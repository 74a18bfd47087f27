import Foundation
import Testing

/// End-to-end: the built `rapport` binary, as a person types it.
@Suite("rapport CLI", .serialized)
struct CLITests {
    struct Result {
        let status: Int32
        let out: String
        let err: String
    }

    static func binary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("rapport")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !candidate.hasDirectoryPath { return candidate }
            directory.deleteLastPathComponent()
        }
        throw CLIFailure("the rapport binary was not built next to the tests (\(CommandLine.arguments[0]))")
    }

    struct CLIFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs `rapport ARGS` in `directory` and waits for it.
    @discardableResult
    static func rapport(_ arguments: [String], in directory: URL, env: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RAPPORT_") }.merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    static func withDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// Starts `rapport serve` on a free port; returns the process and its URL.
    static func serve(_ directory: URL) throws -> (Process, String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["serve", "--db", "server.db", "--port", "0", "--log-level", "warning"]
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("listening") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw CLIFailure("serve exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else { throw CLIFailure("no URL in: \(text)") }
        return (process, String(text[range]))
    }

    /// A server database with workspace `team` and a token for it, served by `rapport serve`;
    /// returns the server process and the environment that points `rapport sync` at it.
    static func serveTeam(_ dir: URL) throws -> (Process, [String: String]) {
        try #require(rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: dir).status == 0)
        let token = try rapport(["server", "token", "add", "--workspace", "team", "--label", "t", "--db", "server.db", "--json"], in: dir)
        let secret = try #require((try JSONSerialization.jsonObject(with: Data(token.out.utf8)) as? [String: Any])?["token"] as? String)
        let (server, url) = try serve(dir)
        return (server, ["RAPPORT_SERVER": url, "RAPPORT_WORKSPACE": "team", "RAPPORT_TOKEN": secret])
    }

    @Test("two laptops edit offline, sync through `rapport serve`, list the conflict, resolve it, and converge")
    func twoLaptopsThroughAServer() throws {
        try Self.withDirectory { dir in
            let (server, env) = try Self.serveTeam(dir)
            defer { server.terminate(); server.waitUntilExit() }

            for name in ["a", "b"] { try #require(Self.rapport(["init", "--db", "\(name).db", "--name", name], in: dir).status == 0) }
            try #require(Self.rapport(["account", "add", "Globex", "--id", "globex", "--arr", "1000", "--db", "a.db"], in: dir).status == 0)
            let assess = try Self.rapport(["assess", "globex", "--trust", "high", "--respect", "low", "--db", "a.db"], in: dir)
            #expect(assess.out.contains("relationship LOW"))
            for db in ["a.db", "b.db"] { #expect(try Self.rapport(["sync", "--db", db], in: dir, env: env).status == 0) }

            #expect(try Self.rapport(["account", "edit", "globex", "--owner", "sam", "--db", "a.db"], in: dir).status == 0)
            Thread.sleep(forTimeInterval: 0.01)
            #expect(try Self.rapport(["account", "edit", "globex", "--owner", "priya", "--segment", "enterprise", "--db", "b.db"], in: dir).status == 0)
            for db in ["a.db", "b.db", "a.db"] { #expect(try Self.rapport(["sync", "--db", db], in: dir, env: env).status == 0) }

            let conflicts = try Self.rapport(["conflicts", "--db", "a.db", "--json"], in: dir)
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(conflicts.out.utf8)) as? [[String: Any]])
            #expect(entries.count == 1 && entries.first?["field"] as? String == "owner")
            let id = try #require(entries.first?["id"] as? Int)
            #expect(try Self.rapport(["conflicts", "resolve", String(id), "--take", "mine", "--db", "a.db"], in: dir).status == 0)
            for db in ["a.db", "b.db"] { #expect(try Self.rapport(["sync", "--db", db], in: dir, env: env).status == 0) }

            let a = try Self.rapport(["account", "list", "--json", "--db", "a.db"], in: dir).out
            let b = try Self.rapport(["account", "list", "--json", "--db", "b.db"], in: dir).out
            #expect(a == b)
            #expect(a.contains("\"owner\" : \"sam\"") && a.contains("\"segment\" : \"enterprise\""))
            #expect(try Self.rapport(["status", "--json", "--db", "b.db"], in: dir).out.contains("\"pendingChanges\" : 0"))
        }
    }

    @Test("a backup taken while the server runs and restored into the running server loses nothing any laptop had")
    func backupAndRestoreOfALiveServer() throws {
        try Self.withDirectory { dir in
            let (server, env) = try Self.serveTeam(dir)
            defer { server.terminate(); server.waitUntilExit() }
            for name in ["a", "b"] { try #require(Self.rapport(["init", "--db", "\(name).db", "--name", name], in: dir).status == 0) }
            try #require(Self.rapport(["account", "add", "Acme", "--id", "acme", "--arr", "1000", "--db", "a.db"], in: dir).status == 0)
            try #require(Self.rapport(["sync", "--db", "a.db"], in: dir, env: env).status == 0)

            let backup = try Self.rapport(["server", "backup", "--db", "server.db", "-o", "copy.db"], in: dir)
            #expect(backup.status == 0, "\(backup.err)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("copy.db").path))
            let again = try Self.rapport(["server", "backup", "--db", "server.db", "-o", "copy.db"], in: dir)
            #expect(again.status != 0 && again.err.contains("already exists"), "a backup never overwrites: \(again.err)")

            // Laptop a gets ahead of the backup: its acknowledged record exists only on the server now.
            try #require(Self.rapport(["account", "add", "Globex", "--id", "globex", "--arr", "2000", "--db", "a.db"], in: dir).status == 0)
            try #require(Self.rapport(["sync", "--db", "a.db"], in: dir, env: env).status == 0)

            let refused = try Self.rapport(["server", "restore", "copy.db", "--db", "server.db"], in: dir)
            #expect(refused.status != 0 && refused.err.contains("--replace"), "\(refused.err)")
            let restore = try Self.rapport(["server", "restore", "copy.db", "--db", "server.db", "--replace", "--json"], in: dir)
            #expect(restore.status == 0, "\(restore.err)")
            #expect(restore.out.contains("\"epoch\""))

            // Laptop b writes to the restored server; a's next sync resyncs and sends Globex again.
            try #require(Self.rapport(["account", "add", "Initech", "--id", "initech", "--arr", "3000", "--db", "b.db"], in: dir).status == 0)
            for db in ["b.db", "a.db", "b.db"] {
                let sync = try Self.rapport(["sync", "--db", db], in: dir, env: env)
                #expect(sync.status == 0, "\(db): \(sync.err)")
            }
            let a = try Self.rapport(["account", "list", "--json", "--db", "a.db"], in: dir).out
            let b = try Self.rapport(["account", "list", "--json", "--db", "b.db"], in: dir).out
            #expect(a == b)
            for id in ["acme", "globex", "initech"] { #expect(a.contains("\"\(id)\""), "\(id) is missing after the restore") }
        }
    }

    @Test("restore refuses a file that is not a server backup and leaves the server database as it was")
    func restoreRefusesAForeignFile() throws {
        try Self.withDirectory { dir in
            try #require(Self.rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: dir).status == 0)
            try #require(Self.rapport(["init", "--db", "laptop.db", "--name", "laptop"], in: dir).status == 0)
            let before = try Data(contentsOf: dir.appendingPathComponent("server.db"))
            let result = try Self.rapport(["server", "restore", "laptop.db", "--db", "server.db", "--replace"], in: dir)
            #expect(result.status != 0 && !result.err.isEmpty)
            #expect(try Data(contentsOf: dir.appendingPathComponent("server.db")) == before)
            #expect(try Self.rapport(["server", "workspace", "list", "--db", "server.db"], in: dir).out.contains("team"))
        }
    }

    @Test("export and import move changes between laptops without a server, and importing twice changes nothing")
    func exportImport() throws {
        try Self.withDirectory { dir in
            for name in ["a", "b"] { try #require(Self.rapport(["init", "--db", "\(name).db"], in: dir).status == 0) }
            try #require(Self.rapport(["account", "add", "Initech", "--id", "initech", "--db", "a.db"], in: dir).status == 0)
            try #require(Self.rapport(["export", "--db", "a.db", "-o", "bundle.json"], in: dir).status == 0)
            let first = try Self.rapport(["import", "bundle.json", "--db", "b.db", "--json"], in: dir)
            #expect(first.out.contains("\"inserted\" : 1"))
            let second = try Self.rapport(["import", "bundle.json", "--db", "b.db", "--json"], in: dir)
            #expect(second.out.contains("\"inserted\" : 0") && second.out.contains("\"stale\" : 1"))
            #expect(try Self.rapport(["account", "show", "initech", "--db", "b.db"], in: dir).out.contains("Initech"))
        }
    }

    @Test("demo and a small simulation exit 0")
    func demoAndSimulate() throws {
        try Self.withDirectory { dir in
            let demo = try Self.rapport(["demo"], in: dir)
            #expect(demo.status == 0, "\(demo.err)")
            #expect(demo.out.contains("Converged") && demo.out.contains("wins, later edit"))
            let simulate = try Self.rapport(["simulate", "--replicas", "3", "--ops", "200", "--seed", "7"], in: dir)
            #expect(simulate.status == 0, "\(simulate.err)")
            #expect(simulate.out.contains("converged"))
        }
    }

    @Test("mistakes print one line saying what to do, exit non-zero, and change nothing", arguments: [
        (["assess", "globex", "--trust", "medium", "--respect", "high"], "high"),
        (["assess", "nobody", "--trust", "high", "--respect", "high"], "account list"),
        (["account", "list", "--db", "missing.db"], "rapport init"),
        (["init"], "already exists"),
        (["sync", "--server", "http://127.0.0.1:1", "--workspace", "w", "--token", "rpt_x"], "127.0.0.1:1"),
        (["import", "not-a-bundle.json"], "not a Rapport bundle"),
    ])
    func mistakes(arguments: [String], hint: String) throws {
        try Self.withDirectory { dir in
            try #require(Self.rapport(["init"], in: dir).status == 0)
            try #require(Self.rapport(["account", "add", "Globex", "--id", "globex"], in: dir).status == 0)
            try Data("{\"hello\": 1}".utf8).write(to: dir.appendingPathComponent("not-a-bundle.json"))
            let before = try Data(contentsOf: dir.appendingPathComponent("rapport.db"))
            let result = try Self.rapport(arguments, in: dir)
            #expect(result.status != 0)
            #expect(result.err.contains(hint), "stderr: \(result.err)")
            #expect(!result.err.contains("Fatal error") && !result.err.contains("Stack"))
            #expect(try Data(contentsOf: dir.appendingPathComponent("rapport.db")) == before)
        }
    }

    @Test("a revoked token is refused with advice, and nothing is lost from the outbox")
    func revokedToken() throws {
        try Self.withDirectory { dir in
            try #require(Self.rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: dir).status == 0)
            let token = try Self.rapport(["server", "token", "add", "--workspace", "team", "--label", "t", "--db", "server.db", "--json"], in: dir)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(token.out.utf8)) as? [String: Any])
            let secret = try #require(object["token"] as? String), id = try #require(object["id"] as? String)
            try #require(Self.rapport(["server", "token", "revoke", id, "--db", "server.db"], in: dir).status == 0)
            let (server, url) = try Self.serve(dir)
            defer { server.terminate(); server.waitUntilExit() }
            try #require(Self.rapport(["init"], in: dir).status == 0)
            try #require(Self.rapport(["account", "add", "Globex"], in: dir).status == 0)
            let sync = try Self.rapport(["sync"], in: dir, env: ["RAPPORT_SERVER": url, "RAPPORT_WORKSPACE": "team", "RAPPORT_TOKEN": secret])
            #expect(sync.status != 0)
            #expect(sync.err.contains("revoked"), "stderr: \(sync.err)")
            #expect(try Self.rapport(["status", "--json"], in: dir).out.contains("\"pendingChanges\" : 1"))
        }
    }
}

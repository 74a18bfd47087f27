import Foundation
import Testing

/// `rapport server export` and `import`, as an operator moving a team's server types them.
@Suite("rapport server export/import", .serialized)
struct ServerDumpCLITests {
    private typealias CLI = CLITests

    private static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("a server moved through a dump serves the laptops on, with no resync and nothing lost")
    func aMovedServerServesOnWithoutAResync() throws {
        try CLI.withDirectory { dir in
            var (server, env) = try CLI.serveTeam(dir)
            for name in ["a", "b"] { try #require(CLI.rapport(["init", "--db", "\(name).db", "--name", name], in: dir).status == 0) }
            try #require(CLI.rapport(["account", "add", "Acme", "--id", "acme", "--arr", "1000", "--db", "a.db"], in: dir).status == 0)
            try #require(CLI.rapport(["account", "add", "Globex", "--id", "globex", "--arr", "2000", "--db", "b.db"], in: dir).status == 0)
            for db in ["a.db", "b.db", "a.db"] { try #require(CLI.rapport(["sync", "--db", db], in: dir, env: env).status == 0) }
            server.terminate()
            server.waitUntilExit()

            let export = try CLI.rapport(["server", "export", "--db", "server.db", "-o", "dump.jsonl"], in: dir)
            #expect(export.status == 0, "\(export.err)")
            #expect(export.out.hasPrefix("Exported 1 workspace, 1 token, 2 records, 0 conflicts from server.db to dump.jsonl (epoch "), "\(export.out)")
            let again = try CLI.rapport(["server", "export", "--db", "server.db", "-o", "dump.jsonl"], in: dir)
            #expect(again.status != 0 && again.err.contains("dump.jsonl already exists"), "an export never overwrites: \(again.err)")

            let load = try CLI.rapport(["server", "import", "--db", "moved.db", "dump.jsonl", "--json"], in: dir)
            #expect(load.status == 0, "\(load.err)")
            let summary = try Self.json(load.out)
            #expect(summary["workspaces"] as? Int == 1 && summary["tokens"] as? Int == 1 && summary["records"] as? Int == 2)
            #expect(summary["conflicts"] as? Int == 0 && summary["pushCommits"] as? Int == 2)
            #expect(export.out.contains("(epoch \(summary["epoch"] as? String ?? "?"))"))
            let twice = try CLI.rapport(["server", "import", "--db", "moved.db", "dump.jsonl"], in: dir)
            #expect(twice.status != 0 && twice.err.contains("already holds 1 workspace ('team')"), "\(twice.err)")

            // The moved database takes the old one's place; the laptops just sync.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(at: dir.appendingPathComponent("server.db" + suffix)) }
            try FileManager.default.moveItem(at: dir.appendingPathComponent("moved.db"), to: dir.appendingPathComponent("server.db"))
            let url: String
            (server, url) = try CLI.serve(dir)
            defer { server.terminate(); server.waitUntilExit() }
            env["RAPPORT_SERVER"] = url
            try #require(CLI.rapport(["account", "add", "Initech", "--id", "initech", "--arr", "3000", "--db", "b.db"], in: dir).status == 0)
            for db in ["b.db", "a.db"] {
                let sync = try CLI.rapport(["sync", "--db", db, "--json"], in: dir, env: env)
                #expect(sync.status == 0, "\(db): \(sync.err)")
                #expect(try Self.json(sync.out)["fullResync"] as? Bool == false, "\(db) resynced after the move: \(sync.out)")
            }
            let a = try CLI.rapport(["account", "list", "--json", "--db", "a.db"], in: dir).out
            #expect(a == (try CLI.rapport(["account", "list", "--json", "--db", "b.db"], in: dir).out))
            for id in ["acme", "globex", "initech"] { #expect(a.contains("\"\(id)\"")) }
        }
    }

    @Test("a cut dump is refused naming the line, and leaves no database file behind")
    func aCutDumpIsRefused() throws {
        try CLI.withDirectory { dir in
            try #require(CLI.rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: dir).status == 0)
            try #require(CLI.rapport(["server", "export", "--db", "server.db", "-o", "dump.jsonl"], in: dir).status == 0)
            let text = try String(contentsOf: dir.appendingPathComponent("dump.jsonl"), encoding: .utf8)
            try Data(text.split(separator: "\n").dropLast().joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("cut.jsonl"))

            let load = try CLI.rapport(["server", "import", "--db", "new.db", "cut.jsonl"], in: dir)
            #expect(load.status != 0)
            #expect(load.err.contains("cut.jsonl ends after line 2 without its trailer line"), "\(load.err)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.db").path))
            let missing = try CLI.rapport(["server", "import", "--db", "new.db", "nowhere.jsonl"], in: dir)
            #expect(missing.status != 0 && missing.err.contains("no dump at nowhere.jsonl"), "\(missing.err)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.db").path))
        }
    }
}

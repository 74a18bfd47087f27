import Foundation
import Testing

/// `rapport server schema`: an operator declares what a later app version adds, and every mistake
/// is refused with one line saying what to type instead.
@Suite("rapport server schema", .serialized)
struct ServerSchemaCLITests {
    private func rapport(_ arguments: [String], in dir: URL) throws -> CLITests.Result { try CLITests.rapport(arguments, in: dir) }

    @Test func anOperatorDeclaresAFieldAndAnEntityAndSeesThem() throws {
        try CLITests.withDirectory { dir in
            try #require(rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: dir).status == 0)
            let empty = try rapport(["server", "schema", "show", "--workspace", "team", "--db", "server.db"], in: dir)
            #expect(empty.status == 0 && empty.out.contains("declares nothing"))
            let field = try rapport(["server", "schema", "add-field", "--workspace", "team", "--entity", "account", "--field", "tier",
                                     "--kind", "optionalText", "--db", "server.db"], in: dir)
            #expect(field.status == 0, "\(field.err)")
            let entity = try rapport(["server", "schema", "add-entity", "--workspace", "team", "--entity", "playbook",
                                      "--field", "title:optionalText", "--field", "dueAt:optionalDate", "--db", "server.db"], in: dir)
            #expect(entity.status == 0, "\(entity.err)")
            let shown = try rapport(["server", "schema", "show", "--workspace", "team", "--db", "server.db", "--json"], in: dir)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [String: Any])
            let declared = try #require(json["declared"] as? [[String: Any]])
            #expect(declared.map { "\($0["entity"]!).\($0["field"]!):\($0["kind"]!)" } == ["account.tier:optionalText", "playbook.title:optionalText", "playbook.dueAt:optionalDate"])
        }
    }

    @Test("mistakes are refused with what to type instead, and declare nothing", arguments: [
        (["add-field", "--entity", "account", "--field", "score", "--kind", "number"], "use --kind optionalNumber"),
        (["add-field", "--entity", "account", "--field", "score", "--kind", "money"], "unknown kind 'money'"),
        (["add-field", "--entity", "account", "--field", "owner", "--kind", "optionalText"], "built-in"),
        (["add-field", "--entity", "invoice", "--field", "total", "--kind", "optionalNumber"], "add-entity"),
        (["add-field", "--entity", "account", "--field", "2fast", "--kind", "optionalText"], "not a field name"),
        (["add-entity", "--entity", "playbook"], "--field NAME:KIND"),
        (["add-entity", "--entity", "playbook", "--field", "title"], "NAME:KIND"),
        (["add-entity", "--entity", "account", "--field", "x:optionalText"], "already exists"),
    ])
    func mistakes(arguments: [String], hint: String) throws {
        try CLITests.withDirectory { dir in
            try #require(rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: dir).status == 0)
            let result = try rapport(["server", "schema"] + arguments + ["--workspace", "team", "--db", "server.db"], in: dir)
            #expect(result.status != 0)
            #expect(result.err.contains(hint), "stderr: \(result.err)")
            #expect(!result.err.contains("Fatal error"))
            let shown = try rapport(["server", "schema", "show", "--workspace", "team", "--db", "server.db"], in: dir)
            #expect(shown.out.contains("declares nothing"))
        }
    }

    @Test func anUnknownWorkspaceIsNamed() throws {
        try CLITests.withDirectory { dir in
            try #require(rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: dir).status == 0)
            let result = try rapport(["server", "schema", "show", "--workspace", "nowhere", "--db", "server.db"], in: dir)
            #expect(result.status != 0 && result.err.contains("no workspace 'nowhere'"), "\(result.err)")
        }
    }
}

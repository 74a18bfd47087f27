import Foundation
import Testing

/// Output for people (tables that line up whatever the text) and for scripts (`--json`).
@Suite("rapport output for people and scripts", .serialized)
struct OutputCLITests {
    typealias CLI = CLITests

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
    }

    @Test("tables align wide, combining and emoji text by terminal columns, and cut long cells whole")
    func tablesAlignByTerminalColumns() throws {
        try CLI.withDirectory { dir in
            try #require(CLI.rapport(["init"], in: dir).status == 0)
            // NAME is 4 columns wide: 日本 (2 wide characters) fills it, é (e + combining acute) takes 1,
            // 👍 takes 2; each row's segment starts in the same column.
            for (id, name) in [("acct-1", "日本"), ("acct-2", "ab"), ("acct-3", "e\u{301}"), ("acct-4", "👍")] {
                try #require(CLI.rapport(["account", "add", name, "--id", id, "--segment", "S"], in: dir).status == 0)
            }
            let list = try CLI.rapport(["account", "list"], in: dir)
            for row in ["acct-1  日本  S", "acct-2  ab    S", "acct-3  e\u{301}     S", "acct-4  👍    S"] {
                #expect(list.out.contains(row), "no '\(row)' in\n\(list.out)")
            }

            let long = String(repeating: "漢", count: 30)
            try #require(CLI.rapport(["account", "add", long, "--id", "acct-5"], in: dir).status == 0)
            let cut = try CLI.rapport(["account", "list"], in: dir).out
            #expect(cut.contains(String(repeating: "漢", count: 23) + "…"))
            #expect(!cut.contains(String(repeating: "漢", count: 24)))
            // The full name is in the JSON.
            #expect(try CLI.rapport(["account", "list", "--json"], in: dir).out.contains(long))
        }
    }

    @Test("control characters in stored text are shown escaped, never sent to the terminal")
    func controlCharactersAreEscaped() throws {
        try CLI.withDirectory { dir in
            try #require(CLI.rapport(["init"], in: dir).status == 0)
            try #require(CLI.rapport(["account", "add", "Acme"], in: dir).status == 0)
            try #require(CLI.rapport(["assess", "Acme", "--trust", "high", "--respect", "low", "--note", "line one\nline two \u{1B}[2Jcleared"], in: dir).status == 0)
            let history = try CLI.rapport(["history", "Acme"], in: dir)
            #expect(!history.out.contains("\u{1B}"))
            #expect(history.out.contains(#"line one\nline two \u{1B}[2Jcleared"#), "\(history.out)")
            // Scripts get the text as it was typed.
            #expect(try CLI.rapport(["history", "Acme", "--json"], in: dir).out.contains(#"line one\nline two \u001b[2Jcleared"#))

            // A name with an escape sequence arriving from another replica (here a doctored bundle)
            // is shown escaped by every command that prints it, not only in tables.
            let bundle = try CLI.rapport(["export"], in: dir).out.replacingOccurrences(of: #""Acme""#, with: #""Ac\u001b[2Jme""#)
            try bundle.write(to: dir.appendingPathComponent("bundle.json"), atomically: true, encoding: .utf8)
            try #require(CLI.rapport(["init", "--db", "other.db"], in: dir).status == 0)
            try #require(CLI.rapport(["import", "bundle.json", "--db", "other.db"], in: dir).status == 0)
            for command in [["account", "list"], ["account", "show", "Ac\u{1B}[2Jme"], ["history", "Ac\u{1B}[2Jme"], ["attention"]] {
                let result = try CLI.rapport(command + ["--db", "other.db"], in: dir)
                #expect(result.status == 0, "\(command): \(result.err)")
                #expect(!result.out.contains("\u{1B}"), "\(command) sent a raw escape")
                #expect(result.out.contains(#"Ac\u{1B}[2Jme"#), "\(command): \(result.out)")
            }
            let missing = try CLI.rapport(["account", "show", "No\u{1B}[2Jbody", "--db", "other.db"], in: dir)
            #expect(!missing.err.contains("\u{1B}") && missing.err.contains(#"No\u{1B}[2Jbody"#), "\(missing.err)")
        }
    }

    @Test("--json uses ISO 8601 dates with a zone, camelCase keys, explicit nulls and fractions for shares")
    func jsonIsConsistent() throws {
        try CLI.withDirectory { dir in
            try #require(CLI.rapport(["init"], in: dir).status == 0)
            try #require(CLI.rapport(["account", "add", "Acme", "--renewal", "2027-03-01"], in: dir).status == 0)
            try #require(CLI.rapport(["stakeholder", "add", "Acme", "Dana", "--role", "VP"], in: dir).status == 0)
            try #require(CLI.rapport(["assess", "Acme", "--trust", "high", "--respect", "high", "--at", "2026-11-02"], in: dir).status == 0)
            try #require(CLI.rapport(["crisis", "add", "Acme", "--started", "2026-11-01", "--summary", "outage"], in: dir).status == 0)
            try #require(CLI.rapport(["objective", "add", "nps", "--linear=-100:100"], in: dir).status == 0)
            try #require(CLI.rapport(["weights", "set", "nps=1", "--from", "2026-01-01"], in: dir).status == 0)

            var outputs: [String: Any] = [:]
            for command in [["account", "list"], ["account", "show", "Acme"], ["account", "add", "Beta"], ["stakeholder", "list"],
                            ["history", "Acme"], ["crisis", "list"], ["attention"], ["objective", "list"], ["weights", "list"],
                            ["score", "--period", "2026"], ["status"], ["conflicts"]] {
                let result = try CLI.rapport(command + ["--json"], in: dir)
                #expect(result.status == 0, "\(command): \(result.err)")
                outputs[command.joined(separator: " ")] = try Self.json(result.out)
            }
            var dates = 0
            func check(_ value: Any, _ path: String) {
                if let object = value as? [String: Any] {
                    // A weight set's weights are keyed by objective id: data, not field names.
                    for (key, inner) in object where !path.hasSuffix(".weights") {
                        #expect(key.first?.isLowercase == true && !key.contains("_") && !key.contains(" "), "key \(path).\(key)")
                        if key.hasSuffix("At") || key.hasSuffix("Date") || key == "effectiveFrom", let text = inner as? String {
                            dates += 1
                            #expect(text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil,
                                    "\(path).\(key) = \(text)")
                        }
                        check(inner, path + "." + key)
                    }
                } else if let array = value as? [Any] {
                    for inner in array { check(inner, path + "[]") }
                }
            }
            for (command, value) in outputs { check(value, command) }
            #expect(dates >= 6)

            // What is unknown is null, not missing.
            let person = try #require((outputs["stakeholder list"] as? [[String: Any]])?.first)
            #expect(person["email"] is NSNull)
            let beta = try #require(outputs["account add Beta"] as? [String: Any])
            #expect(beta["renewalDate"] is NSNull)
            let crisis = try #require((outputs["crisis list"] as? [[String: Any]])?.first)
            #expect(crisis["resolvedAt"] is NSNull)
            #expect(crisis["summary"] as? String == "outage")
            let objective = try #require((outputs["objective list"] as? [[String: Any]])?.first)
            #expect(objective["target"] is NSNull)
            #expect((outputs["status"] as? [String: Any])?["lastSyncAt"] is NSNull)
            let score = try #require(outputs["score --period 2026"] as? [String: Any])
            #expect(score["overall"] is NSNull)
            #expect(((score["lines"] as? [[String: Any]])?.first)?["raw"] is NSNull)

            // Shares are fractions: 4 of 5 satisfied is 0.8, as coverage and churn are.
            let csat = try Self.json(try CLI.rapport(["kpi", "csat", "5", "4", "4", "5", "1", "--json"], in: dir).out) as? [String: Any]
            #expect(csat?["csat"] as? Double == 0.8)
        }
    }

    @Test("under --json an error is a JSON object with a stable code on stderr, and the exit status says it failed")
    func errorsUnderJSONAreJSON() throws {
        try CLI.withDirectory { dir in
            try #require(CLI.rapport(["init"], in: dir).status == 0)
            let cases: [([String], String, Int32)] = [
                (["account", "show", "Nobody", "--json"], "notFound", 1),
                (["account", "add", "Beta", "--arr", "-5", "--json"], "invalidInput", 1),
                (["account", "add", "--json"], "usage", 64),
                (["account", "list", "--db", "missing.db", "--json"], "noReplica", 1),
            ]
            for (arguments, code, status) in cases {
                let result = try CLI.rapport(arguments, in: dir)
                #expect(result.status == status, "\(arguments)")
                #expect(result.out.isEmpty, "\(arguments) printed \(result.out)")
                let error = (try? Self.json(result.err) as? [String: Any])?["error"] as? [String: Any]
                #expect(error?["code"] as? String == code, "\(arguments): \(result.err)")
                #expect((error?["message"] as? String)?.isEmpty == false)
                #expect(result.err.split(separator: "\n").count == 1, "\(arguments): the error is one line, for logs and scripts: \(result.err)")
            }
            // Without --json, people get one line.
            #expect(try CLI.rapport(["account", "show", "Nobody"], in: dir).err.hasPrefix("Error: no account 'Nobody'"))
        }
    }
}

import Foundation
import Testing

/// Wrong input gets a clear error and changes nothing; negative numbers work where they are valid.
@Suite("rapport refuses wrong input", .serialized)
struct InputValidationCLITests {
    typealias CLI = CLITests

    /// A replica with an account (Acme), an objective (nps, -100…100) and a crisis started
    /// 2026-11-01; returns the crisis id.
    static func seed(_ dir: URL) throws -> String {
        try #require(CLI.rapport(["init"], in: dir).status == 0)
        try #require(CLI.rapport(["account", "add", "Acme", "--id", "acct-acme", "--arr", "120000"], in: dir).status == 0)
        try #require(CLI.rapport(["objective", "add", "nps", "--linear=-100:100"], in: dir).status == 0)
        let crisis = try CLI.rapport(["crisis", "add", "Acme", "--started", "2026-11-01", "--json"], in: dir)
        let object = try JSONSerialization.jsonObject(with: Data(crisis.out.utf8)) as? [String: Any]
        return try #require(object?["id"] as? String)
    }

    /// Every record version in the replica: equal before and after means nothing changed.
    static func snapshot(_ dir: URL) throws -> String {
        let export = try CLI.rapport(["export"], in: dir)
        try #require(export.status == 0)
        let bundle = try JSONSerialization.jsonObject(with: Data(export.out.utf8))
        return String(decoding: try JSONSerialization.data(withJSONObject: bundle, options: .sortedKeys), as: UTF8.self)
    }

    @Test("each wrong input is refused with a message saying what was wrong, and the replica is unchanged")
    func wrongInputIsRefusedAndChangesNothing() throws {
        try CLI.withDirectory { dir in
            let crisis = try Self.seed(dir)
            let cases: [([String], String)] = [
                (["crisis", "resolve", crisis, "--at", "2026-10-15"], "is before the crisis started"),
                (["assess", "Acme", "--trust", "high", "--respect", "high", "--at", "2026-02-30"], "2026-02-30 is not a day of the calendar"),
                (["account", "add", "Beta", "--renewal", "2026-13-01"], "is not a day of the calendar"),
                (["assess", "Acme", "--trust", "high", "--respect", "high", "--at", "0001-01-01"], "out of range"),
                (["assess", "Acme", "--trust", "high", "--respect", "high", "--at", "2099-01-01"], "out of range"),
                (["crisis", "add", "Acme", "--started", "2099-06-01"], "out of range"),
                (["weights", "set", "nps=1", "--from", "9999-12-31"], "out of range"),
                (["measure", "nps", "10", "--period", "0001"], "out of range"),
                (["account", "add", "Beta", "--arr", "1e308"], "is not an amount"),
                (["account", "add", "Beta", "--arr", "-5"], "is not an amount"),
                (["account", "add", "Beta", "--arr", "nan"], "is not an amount"),
                (["account", "edit", "Acme", "--arr", "inf"], "is not an amount"),
                (["weights", "set", "nps=1", "nps=2", "--from", "2026-01-01"], "nps is weighted twice"),
                (["objective", "add", "csat", "--linear", "0:100", "--bands", "50=0,100=100"], "either --linear or --bands"),
                (["objective", "add", "csat", "--linear", "0:x:100"], "--linear takes LOW:HIGH"),
                (["objective", "add", "csat", "--linear", "0:inf"], "--linear takes LOW:HIGH"),
                (["objective", "add", "csat", "--bands", "50=x=0,100=100"], "--bands takes UPTO=SCORE"),
                (["objective", "add", "csat", "--better", "more"], "--better must be higher or lower"),
                (["account", "add", "   "], "must not be empty"),
                (["stakeholder", "add", "Acme", ""], "must not be empty"),
                (["account", "add", "Evil\u{1B}[2J"], "must not contain control characters"),
                (["stakeholder", "add", "Acme", "Two\nLines"], "must not contain control characters"),
                (["account", "edit", "Acme", "--name", "Tab\there"], "must not contain control characters"),
                (["measure", "nps", "lots", "--period", "2026"], "invalid for '<value>'"),
                (["account", "add", "Beta", "--id", "has space"], "is not an id"),
                (["stakeholder", "add", "Acme", "Dana", "--email", "d@x\u{1B}]8;;evil"], "must not contain control characters"),
            ]
            let before = try Self.snapshot(dir)
            for (arguments, message) in cases {
                let result = try CLI.rapport(arguments, in: dir)
                #expect(result.status != 0, "\(arguments) was accepted")
                #expect(result.err.contains(message), "\(arguments): \(result.err)")
                #expect(!result.err.contains("\u{1B}"), "\(arguments) echoed a raw escape")
            }
            #expect(try Self.snapshot(dir) == before)
        }
    }

    @Test("negative numbers are read as values where they are valid, and refused clearly where not")
    func negativeNumbersAreValues() throws {
        try CLI.withDirectory { dir in
            try #require(CLI.rapport(["init"], in: dir).status == 0)
            let objective = try CLI.rapport(["objective", "add", "nps", "--linear", "-100:100", "--target", "-10", "--json"], in: dir)
            #expect(objective.status == 0, "\(objective.err)")
            #expect(objective.out.contains("-100"))
            try #require(CLI.rapport(["objective", "add", "netChurn", "--better", "lower", "--linear", "-0.2:0.2"], in: dir).status == 0)

            let nps = try CLI.rapport(["measure", "nps", "-20", "--period", "2026-Q3", "--json"], in: dir)
            #expect(nps.status == 0, "\(nps.err)")
            #expect((try JSONSerialization.jsonObject(with: Data(nps.out.utf8)) as? [String: Any])?["value"] as? Double == -20)
            let churn = try CLI.rapport(["measure", "netChurn", "-0.05", "--period", "2026-Q3", "--json"], in: dir)
            #expect((try JSONSerialization.jsonObject(with: Data(churn.out.utf8)) as? [String: Any])?["value"] as? Double == -0.05)
            let terminated = try CLI.rapport(["measure", "nps", "--period", "2026-Q4", "--json", "--", "-30"], in: dir)
            #expect((try JSONSerialization.jsonObject(with: Data(terminated.out.utf8)) as? [String: Any])?["value"] as? Double == -30)

            // Where a negative value is wrong, the error says so instead of "Missing value".
            let contraction = try CLI.rapport(["kpi", "retention", "--start", "100", "--contraction", "-5"], in: dir)
            #expect(contraction.status != 0)
            #expect(!contraction.err.contains("Missing value"))
            #expect(contraction.err.contains("contraction"), "\(contraction.err)")
            let arr = try CLI.rapport(["account", "add", "Beta", "--arr", "-5"], in: dir)
            #expect(arr.err.contains("--arr -5.0 is not an amount"), "\(arr.err)")
            let days = try CLI.rapport(["attention", "--days", "-5"], in: dir)
            #expect(days.err.contains("--days must be a positive number"), "\(days.err)")
        }
    }
}

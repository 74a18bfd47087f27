import Foundation
import Testing

/// A CSM's walk through stakeholders, a crisis, the portfolio and trends, with the built binary.
@Suite("rapport CLI: relationships a CSM can act on", .serialized)
struct RelationshipCLITests {
    /// Runs `rapport ARGS --db r.db` with a private state directory.
    private static func run(_ arguments: [String], in directory: URL) throws -> CLITests.Result {
        try CLITests.rapport(arguments + ["--db", "r.db"], in: directory, env: ["RAPPORT_STATE_DIR": directory.appendingPathComponent("device").path])
    }

    @discardableResult
    private static func ok(_ arguments: [String], in directory: URL) throws -> String {
        let result = try run(arguments, in: directory)
        #expect(result.status == 0, "\(arguments): \(result.err)")
        return result.out
    }

    private static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// Acme with a key CFO (Dana), a non-key admin (Eli); Globex with its own Dana.
    private static func setUp(_ dir: URL) throws {
        try ok(["init", "--name", "laptop"], in: dir)
        try ok(["account", "add", "Acme", "--id", "acme", "--arr", "120000", "--owner", "kim", "--segment", "enterprise"], in: dir)
        try ok(["account", "add", "Globex", "--id", "globex", "--arr", "5000", "--owner", "lee", "--segment", "smb"], in: dir)
        try ok(["stakeholder", "add", "acme", "Dana Lee", "--role", "CFO", "--key"], in: dir)
        try ok(["stakeholder", "add", "acme", "Eli", "--role", "Admin"], in: dir)
        try ok(["stakeholder", "add", "globex", "Dana Lee", "--role", "CTO"], in: dir)
    }

    @Test func assessmentsNameTheirStakeholderAndKeyStakeholdersDecideTheAccount() throws {
        try CLITests.withDirectory { dir in
            try Self.setUp(dir)
            try Self.ok(["assess", "acme", "--stakeholder", "dana lee", "--trust", "high", "--respect", "low", "--at", "2026-01-10"], in: dir)
            // The newest assessment is Eli's High, but Dana is key: Acme stays Low.
            try Self.ok(["assess", "acme", "--stakeholder", "Eli", "--trust", "high", "--respect", "high", "--at", "2026-01-20"], in: dir)

            let show = try #require(try Self.json(try Self.ok(["account", "show", "acme", "--json"], in: dir)) as? [String: Any])
            #expect(show["relationship"] as? String == "low")
            #expect(show["relationshipBasis"] as? String == "keyStakeholders")
            let people = try #require(show["relationships"] as? [[String: Any]])
            #expect(people.map { $0["name"] as? String } == ["Dana Lee", "Eli"])
            #expect(people.map { $0["relationship"] as? String } == ["low", "high"])
            #expect(people.map { $0["counted"] as? Bool } == [true, false])

            let history = try Self.ok(["history", "acme"], in: dir)
            #expect(history.contains("Dana Lee") && history.contains("Eli"))
            let historyJSON = try #require(try Self.json(try Self.ok(["history", "acme", "--json"], in: dir)) as? [String: Any])
            let names = (historyJSON["assessments"] as? [[String: Any]])?.map { $0["stakeholderName"] as? String }
            #expect(names == ["Dana Lee", "Eli"])
            let eli = try #require(try Self.json(try Self.ok(["history", "acme", "--stakeholder", "eli", "--json"], in: dir)) as? [String: Any])
            #expect((eli["assessments"] as? [[String: Any]])?.map { $0["stakeholderName"] as? String } == ["Eli"])

            // Making Dana not key lets everyone count; still Low because Dana is Low.
            try Self.ok(["stakeholder", "edit", "Dana Lee", "--account", "acme", "--key", "no", "--role", "CFO & COO"], in: dir)
            let list = try #require(try Self.json(try Self.ok(["stakeholder", "list", "acme", "--json"], in: dir)) as? [[String: Any]])
            #expect(list.map { $0["role"] as? String } == ["CFO & COO", "Admin"])
            #expect(list.map { $0["key"] as? Bool } == [false, false])
            // Removing Dana leaves Eli's High.
            try Self.ok(["stakeholder", "remove", "Dana Lee", "--account", "acme"], in: dir)
            let after = try #require(try Self.json(try Self.ok(["account", "show", "acme", "--json"], in: dir)) as? [String: Any])
            #expect(after["relationship"] as? String == "high")
        }
    }

    @Test func stakeholderIsRefusedWhenUnknownOrAtAnotherAccountAndNothingIsWritten() throws {
        try CLITests.withDirectory { dir in
            try Self.setUp(dir)
            let unknown = try Self.run(["assess", "acme", "--stakeholder", "Zed", "--trust", "high", "--respect", "high"], in: dir)
            #expect(unknown.status != 0)
            #expect(unknown.err.contains("no stakeholder 'Zed' at acme"))
            let globexDana = try #require((try Self.json(try Self.ok(["stakeholder", "list", "globex", "--json"], in: dir)) as? [[String: Any]])?.first?["id"] as? String)
            let other = try Self.run(["assess", "acme", "--stakeholder", globexDana, "--trust", "high", "--respect", "high"], in: dir)
            #expect(other.status != 0)
            #expect(other.err.contains("at another account (globex)"))
            let history = try #require(try Self.json(try Self.ok(["history", "acme", "--json"], in: dir)) as? [String: Any])
            #expect((history["assessments"] as? [Any])?.isEmpty == true)
            // A name two accounts share is ambiguous without --account.
            let ambiguous = try Self.run(["stakeholder", "edit", "Dana Lee", "--role", "x"], in: dir)
            #expect(ambiguous.status != 0 && ambiguous.err.contains("2 people are named 'Dana Lee'"))
        }
    }

    @Test func aCrisisOutcomeNamesWhoDroppedAndWhoStillNeedsAnAssessment() throws {
        try CLITests.withDirectory { dir in
            try Self.setUp(dir)
            try Self.ok(["stakeholder", "edit", "Eli", "--key", "yes"], in: dir)
            try Self.ok(["assess", "acme", "--stakeholder", "Dana Lee", "--trust", "high", "--respect", "high", "--at", "2026-01-01"], in: dir)
            try Self.ok(["assess", "acme", "--stakeholder", "Eli", "--trust", "high", "--respect", "high", "--at", "2026-01-01"], in: dir)
            let crisis = try #require((try Self.json(try Self.ok(["crisis", "add", "acme", "--started", "2026-02-01", "--severity", "high", "--json"], in: dir)) as? [String: Any])?["id"] as? String)
            try Self.ok(["crisis", "resolve", crisis, "--at", "2026-02-10"], in: dir)
            try Self.ok(["assess", "acme", "--stakeholder", "Eli", "--trust", "high", "--respect", "high", "--at", "2026-02-12"], in: dir)

            let pending = try Self.ok(["crisis", "list", "acme"], in: dir)
            #expect(pending.contains("unknown: no assessment of Dana Lee since it was resolved on 2026-02-10"))
            #expect(pending.contains("rapport assess acme --stakeholder person-"))
            let attention = try Self.ok(["attention", "--json"], in: dir)
            #expect(attention.contains("crisisNotReassessed"))

            try Self.ok(["assess", "acme", "--stakeholder", "Dana Lee", "--trust", "low", "--respect", "high", "--at", "2026-02-15"], in: dir)
            let list = try #require(try Self.json(try Self.ok(["crisis", "list", "--json"], in: dir)) as? [[String: Any]])
            #expect(list.first?["outcome"] as? String == "dropped")
            let detail = try #require(list.first?["detail"] as? [String: Any])
            let relationships = try #require(detail["relationships"] as? [[String: Any]])
            #expect(relationships.map { $0["outcome"] as? String } == ["dropped", "held"])
            #expect(try Self.ok(["crisis", "list"], in: dir).contains("dropped: Dana Lee"))
        }
    }

    @Test func thePortfolioCountsRelationshipsPutsARRAtRiskFirstAndFilters() throws {
        try CLITests.withDirectory { dir in
            try Self.setUp(dir)
            try Self.ok(["account", "add", "Initech", "--id", "initech", "--arr", "30000", "--owner", "kim", "--segment", "smb"], in: dir)
            let today = Date()
            let day = { (offset: Double) in ISO8601DateFormatter().string(from: today.addingTimeInterval(offset * 86_400)) }
            try Self.ok(["assess", "acme", "--stakeholder", "Dana Lee", "--trust", "low", "--respect", "high", "--at", day(-2)], in: dir)
            try Self.ok(["assess", "globex", "--trust", "high", "--respect", "high", "--at", day(-2)], in: dir)

            let all = try #require(try Self.json(try Self.ok(["portfolio", "--json"], in: dir)) as? [String: Any])
            #expect(all["arrAtRisk"] as? Double == 120_000)
            #expect(all["arr"] as? Double == 155_000)
            #expect((all["accounts"] as? [String: Int]) == ["high": 1, "low": 1, "notAssessed": 1])
            let entries = try #require(all["entries"] as? [[String: Any]])
            #expect(entries.map { $0["id"] as? String } == ["acme", "initech", "globex"])
            #expect(entries.first?["reasons"] as? [String] == ["lowRelationship"])

            let kim = try #require(try Self.json(try Self.ok(["portfolio", "--owner", "kim", "--segment", "SMB", "--json"], in: dir)) as? [String: Any])
            #expect((kim["entries"] as? [[String: Any]])?.map { $0["id"] as? String } == ["initech"])
            let table = try Self.ok(["portfolio"], in: dir)
            #expect(table.contains("at risk 120,000"))
            #expect(table.contains("relationship is Low (Dana Lee)"))
        }
    }

    @Test func aScoreTrendMarksWeightChangesAndHistoryMarksDrops() throws {
        try CLITests.withDirectory { dir in
            try Self.setUp(dir)
            try Self.ok(["objective", "add", "grossChurn", "--better", "lower", "--linear", "0:0.2"], in: dir)
            try Self.ok(["objective", "add", "nps", "--linear=-100:100"], in: dir)
            try Self.ok(["weights", "set", "grossChurn=1", "nps=1", "--from", "2026-01-01", "--reason", "plan"], in: dir)
            try Self.ok(["weights", "set", "grossChurn=3", "nps=1", "--from", "2026-02-15", "--reason", "outage"], in: dir)
            for (month, churn) in [("2026-01", "0.05"), ("2026-02", "0.1"), ("2026-03", "0.15")] {
                try Self.ok(["measure", "grossChurn", churn, "--period", month], in: dir)
                try Self.ok(["measure", "nps", "20", "--period", month], in: dir)
            }
            let trend = try #require(try Self.json(try Self.ok(["score", "--from", "2026-01", "--to", "2026-03", "--json"], in: dir)) as? [[String: Any]])
            #expect(trend.map { $0["period"] as? String } == ["2026-01", "2026-02", "2026-03"])
            #expect(trend.map { $0["weightSetReason"] as? String } == ["plan", "plan", "outage"])
            #expect(trend.map { $0["weightSetChanged"] as? Bool } == [false, false, true])
            #expect(try Self.ok(["score", "--from", "2026-01", "--to", "2026-03"], in: dir).contains("◆ weights changed: outage"))
            // The quarter has no measurement of its own: --roll-up scores it from its months.
            let q1 = try Self.ok(["score", "--period", "2026-Q1", "--roll-up"], in: dir)
            #expect(q1.contains("(rolled up)"))
            let mixed = try Self.run(["score", "--from", "2026-01", "--to", "2026-Q2"], in: dir)
            #expect(mixed.status != 0 && mixed.err.contains("not the same kind of period"))

            try Self.ok(["assess", "acme", "--stakeholder", "Eli", "--trust", "high", "--respect", "high", "--at", "2026-01-05"], in: dir)
            try Self.ok(["assess", "acme", "--stakeholder", "Eli", "--trust", "high", "--respect", "low", "--at", "2026-02-05"], in: dir)
            let changes = try #require(try Self.json(try Self.ok(["history", "acme", "--changes", "--json"], in: dir)) as? [String: Any])
            #expect((changes["changes"] as? [[String: Any]])?.map { $0["drop"] as? Bool } == [false, true])
            #expect(try Self.ok(["history", "acme", "--changes"], in: dir).contains("▼ High→Low"))
        }
    }

    @Test func theScorecardIsMaintainedByKeyAndKPIsAreRecorded() throws {
        try CLITests.withDirectory { dir in
            try Self.setUp(dir)
            try Self.ok(["objective", "add", "grossChurn", "--better", "lower", "--linear", "0:0.2"], in: dir)
            let again = try Self.run(["objective", "add", "grossChurn", "--linear", "0:1"], in: dir)
            #expect(again.status != 0 && again.err.contains("objective grossChurn exists"))
            try Self.ok(["objective", "edit", "grossChurn", "--name", "Gross revenue churn", "--target", "0.05"], in: dir)
            #expect(try Self.ok(["objective", "list"], in: dir).contains("Gross revenue churn"))

            try Self.ok(["weights", "set", "grossChurn=1", "--from", "2026-01-01", "--reason", "plan"], in: dir)
            let weights = try Self.ok(["weights", "list"], in: dir)
            #expect(weights.contains("grossChurn=1.0") && weights.contains("plan") && !weights.contains("obj-"))
            try Self.ok(["weights", "edit", "2026-01-01", "--reason", "board plan"], in: dir)
            #expect(try Self.ok(["weights", "list"], in: dir).contains("board plan"))

            // S from the accounts' ARR (120,000 + 5,000); 12,500 churned → 10 % gross churn, recorded.
            let kpi = try Self.ok(["kpi", "retention", "--start-from-arr", "--churned", "12500", "--record", "grossChurn", "--period", "2026-Q1"], in: dir)
            #expect(kpi.contains("125,000") && kpi.contains("Recorded grossChurn 2026-Q1: 0.1"))
            let measured = try #require(try Self.json(try Self.ok(["measurements", "list", "--period", "2026", "--json"], in: dir)) as? [[String: Any]])
            #expect(measured.map { $0["objective"] as? String } == ["grossChurn"])
            #expect(measured.first?["value"] as? Double == 0.1)
            try Self.ok(["objective", "add", "nps", "--linear=-100:100"], in: dir)
            let nps = try #require(try Self.json(try Self.ok(["kpi", "nps", "10", "9", "3", "--record", "nps", "--period", "2026-Q1", "--json"], in: dir)) as? [String: Any])
            let recorded = try #require(nps["recorded"] as? [String: Any])
            #expect(recorded["objective"] as? String == "nps" && recorded["period"] as? String == "2026-Q1")
            #expect(recorded["value"] as? Double == nps["nps"] as? Double)
            try Self.ok(["measurements", "remove", "nps", "--period", "2026-Q1"], in: dir)
            try Self.ok(["objective", "remove", "nps"], in: dir)
            let wrong = try Self.run(["kpi", "nps", "9", "10", "--record", "grossChurn"], in: dir)
            #expect(wrong.status != 0 && wrong.err.contains("--record needs --period"))

            let refused = try Self.run(["objective", "remove", "grossChurn"], in: dir)
            #expect(refused.status != 0 && refused.err.contains("board plan"))
            try Self.ok(["measurements", "remove", "grossChurn", "--period", "2026-Q1"], in: dir)
            #expect(try Self.ok(["measurements", "list"], in: dir).contains("No measurements"))
            try Self.ok(["weights", "remove", "2026-01-01"], in: dir)
            try Self.ok(["objective", "remove", "grossChurn"], in: dir)
            #expect(try Self.ok(["objective", "list"], in: dir).contains("No objectives yet"))
        }
    }
}

import Testing
import RapportModel

struct CrisisOutcomeTests {
    let crisis = CrisisEvent(
        id: "c1", accountID: "acme", startedAt: utc("2026-03-10"), resolvedAt: utc("2026-03-20"),
        severity: .high, summary: "outage"
    )

    func assessment(_ id: String, _ date: String, _ trust: Level, _ respect: Level, account: String = "acme") -> Assessment {
        Assessment(id: id, accountID: account, assessedAt: utc(date), trust: trust, respect: respect)
    }

    @Test("High before and high after means the relationship held")
    func held() {
        let before = assessment("b", "2026-03-01", .high, .high)
        let after = assessment("a", "2026-03-25", .high, .high)
        #expect(crisis.outcome(given: [after, before]) == .held(before: before, after: after))
        #expect(crisis.outcome(given: [after, before]).label == "held")
    }

    @Test("High before and low after means the relationship dropped")
    func dropped() {
        let before = assessment("b", "2026-03-01", .high, .high)
        let after = assessment("a", "2026-03-25", .high, .low)
        #expect(crisis.outcome(given: [before, after]) == .dropped(before: before, after: after))
        #expect(crisis.outcome(given: [before, after]).label == "dropped")
    }

    @Test("Low before and high after means the relationship improved")
    func improved() {
        let before = assessment("b", "2026-03-01", .low, .high)
        let after = assessment("a", "2026-03-25", .high, .high)
        #expect(crisis.outcome(given: [before, after]) == .improved(before: before, after: after))
        #expect(crisis.outcome(given: [before, after]).label == "improved")
    }

    @Test("Low before and low after means the relationship stayed low")
    func stayedLow() {
        let before = assessment("b", "2026-03-01", .low, .low)
        let after = assessment("a", "2026-03-25", .high, .low)
        #expect(crisis.outcome(given: [before, after]) == .stayedLow(before: before, after: after))
        #expect(crisis.outcome(given: [before, after]).label == "stayed low")
    }

    @Test("An unresolved crisis has an unknown outcome even with assessments on both sides")
    func unresolved() {
        var open = crisis
        open.resolvedAt = nil
        let outcome = open.outcome(given: [
            assessment("b", "2026-03-01", .high, .high), assessment("a", "2026-03-25", .high, .high),
        ])
        #expect(outcome == .unknown(.unresolved))
        #expect(outcome.label == "unknown")
    }

    @Test("Without an assessment at or before the start the outcome is unknown")
    func noAssessmentBefore() {
        let outcome = crisis.outcome(given: [
            assessment("during", "2026-03-15", .high, .high), assessment("a", "2026-03-25", .high, .high),
        ])
        #expect(outcome == .unknown(.noAssessmentBefore))
    }

    @Test("Without an assessment at or after resolution the outcome is unknown")
    func noAssessmentAfter() {
        let outcome = crisis.outcome(given: [
            assessment("b", "2026-03-01", .high, .high), assessment("during", "2026-03-15", .low, .low),
        ])
        #expect(outcome == .unknown(.noAssessmentAfter))
    }

    @Test("The latest assessment before and the earliest after are compared, ignoring those during the crisis")
    func picksNearestAssessments() {
        let old = assessment("old", "2026-01-01", .low, .low)
        let before = assessment("b", "2026-03-10", .high, .high)  // exactly at start counts as before
        let during = assessment("during", "2026-03-15", .low, .low)
        let after = assessment("a", "2026-03-20", .high, .high)  // exactly at resolution counts as after
        let later = assessment("later", "2026-06-01", .low, .low)
        #expect(crisis.outcome(given: [later, during, after, old, before]) == .held(before: before, after: after))
    }

    @Test("Assessments of other accounts are ignored")
    func otherAccountsIgnored() {
        let before = assessment("b", "2026-03-01", .high, .high)
        let after = assessment("a", "2026-03-25", .high, .high)
        let otherBefore = assessment("ob", "2026-03-09", .low, .low, account: "globex")
        let otherAfter = assessment("oa", "2026-03-21", .low, .low, account: "globex")
        #expect(crisis.outcome(given: [before, otherBefore, otherAfter, after]) == .held(before: before, after: after))
        #expect(crisis.outcome(given: [otherBefore, otherAfter]) == .unknown(.noAssessmentBefore))
    }

    @Test("The outcome does not depend on the order of same-instant assessments")
    func orderIndependent() {
        let x = assessment("x", "2026-03-01", .high, .high)
        let y = assessment("y", "2026-03-01", .low, .low)
        let after = assessment("a", "2026-03-25", .high, .high)
        #expect(crisis.outcome(given: [x, y, after]) == crisis.outcome(given: [after, y, x]))
    }
}

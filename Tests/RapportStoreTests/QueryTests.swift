import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// The questions a CSM asks of the store: relationships, history, crises, scorecard, attention.
@Suite final class QueryTests {
    private let directory: URL
    private let store: Store
    private static let now = Date(timeIntervalSince1970: 1_764_000_000)

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("QueryTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store.create(at: directory.appendingPathComponent("replica.rapport").path)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func daysAgo(_ days: Int) -> Date { now.addingTimeInterval(-Double(days) * 86_400) }

    private func assess(_ id: String, _ accountID: String, daysAgo days: Int, _ trust: Level, _ respect: Level) throws {
        try store.assessments.create(Assessment(id: id, accountID: accountID, assessedAt: Self.daysAgo(days), trust: trust, respect: respect))
    }

    // MARK: overviews and history

    @Test func overviewsShowTheLatestLiveAssessmentAndTheRelationshipItImplies() throws {
        try store.accounts.createAll([
            Account(id: "a4", name: "Acme"), Account(id: "a1", name: "Globex"),
            Account(id: "a3", name: "Initech"), Account(id: "a2", name: "Umbrella"), Account(id: "a0", name: "Gone"),
        ])
        try store.accounts.delete(id: "a0")
        try assess("s1", "a4", daysAgo: 10, .high, .high)
        try assess("s2", "a4", daysAgo: 2, .high, .low)
        try assess("s3", "a4", daysAgo: 1, .high, .high)
        try store.assessments.delete(id: "s3")
        try assess("s4", "a1", daysAgo: 3, .high, .high)
        try assess("s0", "a1", daysAgo: 30, .low, .low)
        try assess("s5", "a3", daysAgo: 4, .low, .high)
        try assess("s6", "a0", daysAgo: 1, .high, .high)

        let overviews = try store.accountOverviews()
        #expect(overviews.map(\.account.name) == ["Acme", "Globex", "Initech", "Umbrella"])
        #expect(overviews.map(\.latest?.id) == ["s2", "s4", "s5", nil])
        #expect(overviews.map(\.relationship) == [.low, .high, .low, nil])
        #expect(overviews.map(\.lastAssessedAt) == [Self.daysAgo(2), Self.daysAgo(3), Self.daysAgo(4), nil])

        // Restoring the newer assessment makes it the current one again.
        try store.assessments.restore(id: "s3")
        let acme = try #require(try store.accountOverviews().first)
        #expect(acme.latest?.id == "s3")
        #expect(acme.relationship == .high)
    }

    @Test func historyListsAnAccountsLiveAssessmentsOldestFirst() throws {
        try assess("h1", "a1", daysAgo: 2, .low, .low)
        try assess("h2", "a1", daysAgo: 30, .high, .high)
        try assess("h3", "a1", daysAgo: 10, .high, .low)
        try assess("h4", "a1", daysAgo: 5, .low, .high)
        try assess("h5", "a2", daysAgo: 7, .high, .high)
        try store.assessments.delete(id: "h4")

        #expect(try store.history(accountID: "a1").map(\.id) == ["h2", "h3", "h1"])
        #expect(try store.history(accountID: "a2").map(\.id) == ["h5"])
        #expect(try store.history(accountID: "nobody").isEmpty)
    }

    // MARK: crises

    @Test func crisisReportsSayWhetherTheRelationshipHeld() throws {
        try store.crises.createAll([
            CrisisEvent(id: "c1", accountID: "held", startedAt: Self.daysAgo(15), resolvedAt: Self.daysAgo(10), severity: .high),
            CrisisEvent(id: "c2", accountID: "dropped", startedAt: Self.daysAgo(16), resolvedAt: Self.daysAgo(10), severity: .critical),
            CrisisEvent(id: "c3", accountID: "held", startedAt: Self.daysAgo(3), resolvedAt: nil, severity: .medium),
            CrisisEvent(id: "c4", accountID: "late", startedAt: Self.daysAgo(14), resolvedAt: Self.daysAgo(12), severity: .low),
            CrisisEvent(id: "c5", accountID: "held", startedAt: Self.daysAgo(17), resolvedAt: Self.daysAgo(9), severity: .low),
        ])
        try store.crises.delete(id: "c5")
        try assess("h-before", "held", daysAgo: 20, .high, .high)
        try assess("h-during", "held", daysAgo: 12, .low, .low)
        try assess("h-after", "held", daysAgo: 5, .high, .high)
        try assess("d-before", "dropped", daysAgo: 20, .high, .high)
        try assess("d-after", "dropped", daysAgo: 5, .low, .high)
        // A deleted assessment is no evidence: counting it would turn "dropped" into "held".
        try assess("d-deleted", "dropped", daysAgo: 8, .high, .high)
        try store.assessments.delete(id: "d-deleted")
        try assess("l-after", "late", daysAgo: 1, .high, .high)

        let reports = try store.crisisReports()
        #expect(reports.map(\.crisis.id) == ["c2", "c1", "c4", "c3"])
        let outcomes = Dictionary(uniqueKeysWithValues: reports.map { ($0.crisis.id, $0.outcome) })
        let heldBefore = try #require(try store.assessments.get(id: "h-before"))
        let heldAfter = try #require(try store.assessments.get(id: "h-after"))
        #expect(outcomes["c1"] == .held(before: heldBefore, after: heldAfter))
        guard case .dropped(let before, let after) = outcomes["c2"] else {
            Issue.record("c2 should be dropped, got \(String(describing: outcomes["c2"]))")
            return
        }
        #expect(before.id == "d-before" && after.id == "d-after")
        #expect(outcomes["c3"] == .unknown(.unresolved))
        #expect(outcomes["c4"] == .unknown(.noAssessmentBefore))

        #expect(try store.crisisReports(accountID: "held").map(\.crisis.id) == ["c1", "c3"])
        #expect(try store.crisisReports(accountID: "nobody").isEmpty)
    }

    // MARK: scorecard

    private func makeScorecard() throws {
        try store.objectives.createAll([
            Objective(id: "o1", key: .grossChurn, name: "Gross churn", direction: .lowerIsBetter, target: 0.05, normaliser: .linear(lower: 0, upper: 0.2)),
            Objective(id: "o2", key: .revenue, name: "Revenue", direction: .higherIsBetter, normaliser: .linear(lower: 0, upper: 1_000_000)),
            Objective(id: "o3", key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .passthrough),
        ])
        try store.weightSets.createAll([
            WeightSet(id: "w1", effectiveFrom: Date(timeIntervalSince1970: 1_764_547_200), reason: "launch", weights: ["o1": 1, "o2": 1, "o3": 2]),
            WeightSet(id: "w2", effectiveFrom: try Period("2026-Q2").start, reason: "after the outage", weights: ["o1": 3, "o2": 1, "o3": 1]),
        ])
        let q1 = try Period("2026-Q1"), q2 = try Period("2026-Q2")
        try store.measurements.createAll([
            RapportModel.Measurement(id: "m1", objectiveID: "o1", period: q1, value: 0.05),
            RapportModel.Measurement(id: "m2", objectiveID: "o2", period: q1, value: 600_000),
            RapportModel.Measurement(id: "m3", objectiveID: "o3", period: q1, value: 40),
            RapportModel.Measurement(id: "m4", objectiveID: "o1", period: q2, value: 0.1),
            RapportModel.Measurement(id: "m5", objectiveID: "o2", period: q2, value: 800_000),
            RapportModel.Measurement(id: "m6", objectiveID: "o1", period: q1, value: 0.19),
            RapportModel.Measurement(id: "m7", objectiveID: "o1", period: try Period("2026-03"), value: 0),
        ])
        // A measurement replaced by deleting it must not count as a second one for the period.
        try store.measurements.delete(id: "m6")
    }

    private static func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 } ?? false }

    @Test func theScorecardOfAPeriodUsesTheWeightsInEffectThenAndExplainsItself() throws {
        try makeScorecard()

        // Q1 under w1 (1, 1, 2): churn 0.05 of 0…0.2, lower better → 75; revenue 600k of 0…1M → 60; NPS 40.
        let q1 = try store.scorecard(for: Period("2026-Q1"))
        #expect(q1.weightSetID == "w1")
        #expect(q1.lines.map(\.objectiveID) == ["o1", "o2", "o3"])
        #expect(Self.close(q1.lines[0].score, 75) && Self.close(q1.lines[1].score, 60) && Self.close(q1.lines[2].score, 40))
        #expect(q1.lines.map(\.weight) == [1, 1, 2])
        #expect(Self.close(q1.overall, (75 + 60 + 2 * 40) / 4.0))
        #expect(Self.close(q1.coverage, 1))

        // Q2 under w2 (3, 1, 1): churn 0.1 → 50; revenue 800k → 80; NPS not measured.
        let q2 = try store.scorecard(for: Period("2026-Q2"))
        #expect(q2.weightSetID == "w2")
        #expect(q2.lines.map(\.raw) == [0.1, 800_000, nil])
        #expect(Self.close(q2.lines[0].contribution, 3 * 50 / 4.0))
        #expect(Self.close(q2.lines[1].contribution, 80 / 4.0))
        #expect(q2.lines[2].contribution == nil)
        #expect(Self.close(q2.overall, 57.5))
        #expect(Self.close(q2.coverage, 4.0 / 5.0))
    }

    @Test func aPeriodBeforeAnyWeightSetIsAScorecardError() throws {
        try makeScorecard()
        #expect(throws: ScorecardError.self) { try self.store.scorecard(for: Period("2025-Q1")) }
    }

    // MARK: attention

    @Test func accountsNeedAttentionWhenLowStaleOrNeverAssessed() throws {
        try store.accounts.createAll([
            Account(id: "healthy", name: "A healthy"), Account(id: "low", name: "B low"),
            Account(id: "stale", name: "C stale"), Account(id: "never", name: "D never"),
            Account(id: "lowStale", name: "E low and stale"), Account(id: "recovered", name: "F recovered"),
            Account(id: "gone", name: "G deleted"),
        ])
        try store.accounts.delete(id: "gone")
        try assess("1", "healthy", daysAgo: 5, .high, .high)
        try assess("2", "low", daysAgo: 1, .high, .low)
        try assess("3", "stale", daysAgo: 45, .high, .high)
        try assess("4", "lowStale", daysAgo: 60, .low, .low)
        try assess("5", "recovered", daysAgo: 40, .low, .low)
        try assess("6", "recovered", daysAgo: 3, .high, .high)
        try assess("7", "healthy", daysAgo: 31, .low, .low)

        let items = try store.needingAttention(days: 30, now: Self.now)
        #expect(items.map(\.overview.account.id) == ["low", "stale", "never", "lowStale"])
        #expect(items.map(\.reason) == [.lowRelationship, .notAssessedRecently, .neverAssessed, .lowRelationship])

        // A wider window forgives the stale account but never the low one.
        #expect(try store.needingAttention(days: 50, now: Self.now).map(\.overview.account.id) == ["low", "never", "lowStale"])
    }

    @Test func anAssessmentDatedInTheFutureDoesNotHideAnAccountFromAttention() throws {
        try store.accounts.createAll([Account(id: "typo", name: "A typo"), Account(id: "today", name: "B today")])
        // 2099 instead of 2025: High, but no proof of a recent relationship.
        try assess("1", "typo", daysAgo: -365 * 74, .high, .high)
        try assess("2", "today", daysAgo: 0, .high, .high)
        let items = try store.needingAttention(days: 30, now: Self.now)
        #expect(items.map(\.overview.account.id) == ["typo"])
        #expect(items.map(\.reason) == [.notAssessedRecently])
    }
}

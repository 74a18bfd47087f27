import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// Score trends across periods, weight-set changes marked, and roll-ups; scorecard maintenance.
@Suite final class TrendQueryTests {
    private let directory: URL
    private let store: Store

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("TrendQueryTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store.create(at: directory.appendingPathComponent("replica.rapport").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private static func p(_ text: String) -> Period { try! Period(text) }

    private func makeScorecard() throws {
        try store.objectives.createAll([
            Objective(id: "churn", key: .grossChurn, name: "Churn", direction: .lowerIsBetter, normaliser: .linear(lower: 0, upper: 0.2)),
            Objective(id: "nps", key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .passthrough),
        ])
        try store.weightSets.createAll([
            WeightSet(id: "plan", effectiveFrom: Self.p("2026-01").start, reason: "plan", weights: ["churn": 1, "nps": 1]),
            // Mid-February: judges March onwards, never February.
            WeightSet(id: "outage", effectiveFrom: Self.p("2026-02").start.addingTimeInterval(14 * 86_400), reason: "outage", weights: ["churn": 3, "nps": 1]),
        ])
        for (month, churn, nps) in [("2026-01", 0.05, 40.0), ("2026-02", 0.1, 50), ("2026-03", 0.15, 60)] {
            try store.measurements.create(RapportModel.Measurement(id: "c\(month)", objectiveID: "churn", period: Self.p(month), value: churn))
            try store.measurements.create(RapportModel.Measurement(id: "n\(month)", objectiveID: "nps", period: Self.p(month), value: nps))
        }
    }

    @Test func aTrendScoresEachPeriodUnderTheSetInForceAtItsStartAndMarksChanges() throws {
        try makeScorecard()
        let points = try store.scoreTrend(from: Self.p("2025-12"), through: Self.p("2026-03"))
        #expect(points.map(\.period.description) == ["2025-12", "2026-01", "2026-02", "2026-03"])
        #expect(points[0].report == nil && points[0].problem != nil)
        #expect(points.map { $0.weightSet?.id } == [nil, "plan", "plan", "outage"])
        #expect(points.map(\.weightSetChanged) == [false, true, false, true])
        #expect(points.map { $0.setsTakingEffectWithin.map(\.id) } == [[], [], ["outage"], []])
        // Each point equals the period's own scorecard.
        for point in points.dropFirst() { #expect(point.report == (try store.scorecard(for: point.period))) }
        // March under (3, 1): churn 0.15 → 25, NPS 60 → (3·25 + 60) / 4.
        #expect(points[3].report?.overall.map { abs($0 - 33.75) < 1e-9 } == true)
    }

    @Test func aQuarterWithOnlyMonthlyMeasurementsIsScoredFromTheirRollUp() throws {
        try makeScorecard()
        let q1 = Self.p("2026-Q1")
        #expect(try store.scorecard(for: q1).overall == nil)
        let (report, rolled) = try store.scorecard(for: q1, rollingUp: true)
        #expect(Set(rolled) == ["churn", "nps"])
        // Means: churn 0.1 → 50, NPS 50; weights in force on 1 January (1, 1).
        #expect(report.lines.map(\.raw).map { $0.map { ($0 * 1000).rounded() / 1000 } } == [0.1, 50])
        #expect(report.overall.map { abs($0 - 50) < 1e-9 } == true)
    }

    @Test func anObjectiveIsRemovedWithItsMeasurementsOnlyWhenNoWeightSetWeighsIt() throws {
        try makeScorecard()
        let refused = #expect(throws: StoreError.self) { try self.store.removeObjective(id: "nps") }
        #expect(refused?.message.contains("outage") == true)
        #expect(try store.objectives.get(id: "nps") != nil)
        try store.weightSets.update(id: "plan") { $0.weights = ["churn": 1] }
        try store.weightSets.update(id: "outage") { $0.weights = ["churn": 1] }
        #expect(try store.removeObjective(id: "nps") == 3)
        #expect(try store.objectives.get(id: "nps") == nil)
        #expect(try store.measurements.list(where: "objectiveID", equals: .string("nps")).isEmpty)
        #expect(try store.scorecard(for: Self.p("2026-03")).lines.map(\.objectiveID) == ["churn"])
    }
}

import Testing
import RapportModel

/// The second essay's scenario: churn, revenue and customer ROI weighed together, then a service
/// breakdown on 1 July shifts the weight toward the customer's ROI.
struct ScorecardTests {
    static let objectives = [
        Objective(id: "gross", key: .grossChurn, name: "Gross churn", direction: .lowerIsBetter,
                  target: 0.05, normaliser: .linear(lower: 0, upper: 0.3)),
        Objective(id: "net", key: .netChurn, name: "Net churn", direction: .lowerIsBetter,
                  normaliser: .linear(lower: -0.1, upper: 0.1)),
        Objective(id: "revenue", key: .revenue, name: "Revenue (M)", direction: .higherIsBetter,
                  normaliser: .linear(lower: 0, upper: 20)),
        Objective(id: "roi", key: .customerROI, name: "Customer ROI", direction: .higherIsBetter,
                  normaliser: .bands([.init(upTo: 1, score: 0), .init(upTo: 2, score: 40),
                                      .init(upTo: 3, score: 70), .init(upTo: 100, score: 100)])),
    ]
    static let balanced = WeightSet(id: "balanced", effectiveFrom: utc("2026-01-01"), reason: "annual plan",
                                    weights: ["gross": 0.3, "net": 0.3, "revenue": 0.3, "roi": 0.1])
    static let afterBreakdown = WeightSet(id: "after-breakdown", effectiveFrom: utc("2026-07-01"),
                                          reason: "service breakdown in June",
                                          weights: ["gross": 0.2, "net": 0.2, "revenue": 0.1, "roi": 0.5])

    /// Scores: gross 0.15 → 50, net −0.05 → 75, revenue 16 → 80, ROI 1.5 → 40.
    static func measurements(_ text: String, includeROI: Bool = true) -> [RapportModel.Measurement] {
        let p = period(text)
        var all = [
            RapportModel.Measurement(id: "\(text)-gross", objectiveID: "gross", period: p, value: 0.15),
            RapportModel.Measurement(id: "\(text)-net", objectiveID: "net", period: p, value: -0.05),
            RapportModel.Measurement(id: "\(text)-revenue", objectiveID: "revenue", period: p, value: 16),
        ]
        if includeROI {
            all.append(RapportModel.Measurement(id: "\(text)-roi", objectiveID: "roi", period: p, value: 1.5))
        }
        return all
    }

    func scorecard() throws -> Scorecard {
        try Scorecard(objectives: Self.objectives, weightSets: [Self.afterBreakdown, Self.balanced])
    }

    @Test("The same measurements score differently after the weights shift toward customer ROI")
    func weightShiftChangesOverall() throws {
        let card = try scorecard()
        let q2 = try card.report(for: period("2026-Q2"), measurements: Self.measurements("2026-Q2"))
        let q3 = try card.report(for: period("2026-Q3"), measurements: Self.measurements("2026-Q3"))
        #expect(q2.weightSetID == "balanced")
        #expect(isClose(q2.overall, 65.5))  // 0.3·50 + 0.3·75 + 0.3·80 + 0.1·40
        #expect(q3.weightSetID == "after-breakdown")
        #expect(isClose(q3.overall, 53))  // 0.2·50 + 0.2·75 + 0.1·80 + 0.5·40
        #expect(q2.coverage == 1)
        #expect(q3.coverage == 1)
    }

    @Test("A period is judged by the weights in effect when it began, even if they shift during it")
    func weightsAtPeriodStart() throws {
        let card = try scorecard()
        #expect(card.weightSet(on: utc("2026-06-30T23:59:59Z"))?.id == "balanced")
        #expect(card.weightSet(on: utc("2026-07-01"))?.id == "after-breakdown")
        #expect(card.weightSet(on: utc("2025-12-31"))?.id == nil)
        // The year 2026 began under the balanced set, though the shift happened within it.
        let year = try card.report(for: period("2026"), measurements: Self.measurements("2026"))
        #expect(year.weightSetID == "balanced")
        let july = try card.report(for: period("2026-07"), measurements: Self.measurements("2026-07"))
        #expect(july.weightSetID == "after-breakdown")
    }

    @Test("A missing measurement lowers coverage and the overall uses only the weights present")
    func partialCoverage() throws {
        let report = try scorecard().report(for: period("2026-Q3"), measurements: Self.measurements("2026-Q3", includeROI: false))
        #expect(isClose(report.coverage, 0.5))
        #expect(isClose(report.overall, 66))  // (0.2·50 + 0.2·75 + 0.1·80) / 0.5
        let roi = try #require(report.lines.first { $0.objectiveID == "roi" })
        #expect(roi.raw == nil && roi.score == nil && roi.contribution == nil)
        #expect(roi.weight == 0.5)
    }

    @Test("Explanation lines carry raw, score, weight and contributions that add up to the overall",
          arguments: [true, false])
    func linesExplainOverall(includeROI: Bool) throws {
        let report = try scorecard().report(for: period("2026-Q3"), measurements: Self.measurements("2026-Q3", includeROI: includeROI))
        #expect(report.lines.map(\.objectiveID) == ["gross", "net", "revenue", "roi"])
        let overall = try #require(report.overall)
        #expect(isClose(report.lines.compactMap(\.contribution).reduce(0, +), overall))
        let gross = try #require(report.lines.first)
        #expect(gross.objectiveName == "Gross churn")
        #expect(gross.raw == 0.15)
        #expect(isClose(gross.score, 50))
        #expect(gross.weight == 0.2)
    }

    @Test("Measurements of other periods are ignored")
    func otherPeriodsIgnored() throws {
        let card = try scorecard()
        let mixed = Self.measurements("2026-Q3", includeROI: false) + Self.measurements("2026-Q2")
            + [RapportModel.Measurement(id: "year-roi", objectiveID: "roi", period: period("2026"), value: 99)]
        let report = try card.report(for: period("2026-Q3"), measurements: mixed)
        #expect(isClose(report.overall, 66))
        #expect(isClose(report.coverage, 0.5))
    }

    @Test("With no weighted objective measured the overall is absent and coverage is zero")
    func nothingMeasured() throws {
        let zeroForROI = WeightSet(id: "w", effectiveFrom: utc("2026-01-01"), weights: ["gross": 1, "roi": 0])
        let card = try Scorecard(objectives: Self.objectives, weightSets: [zeroForROI])
        let empty = try card.report(for: period("2026-Q1"), measurements: [])
        #expect(empty.overall == nil)
        #expect(empty.coverage == 0)
        let onlyUnweighted = try card.report(for: period("2026-Q1"), measurements: [
            RapportModel.Measurement(id: "m", objectiveID: "roi", period: period("2026-Q1"), value: 2.5),
        ])
        #expect(onlyUnweighted.overall == nil)
        #expect(onlyUnweighted.lines.last?.score == 70)
    }

    @Test("Unweighted objectives still appear in the explanation with weight zero")
    func unweightedObjectivesListed() throws {
        let onlyChurn = WeightSet(id: "w", effectiveFrom: utc("2026-01-01"), weights: ["gross": 2])
        let card = try Scorecard(objectives: Self.objectives, weightSets: [onlyChurn])
        let report = try card.report(for: period("2026-Q1"), measurements: Self.measurements("2026-Q1"))
        #expect(isClose(report.overall, 50))
        #expect(report.lines.map(\.weight) == [2, 0, 0, 0])
        #expect(report.lines.map(\.contribution) == [50, 0, 0, 0])
    }

    @Test("Invalid weights are refused", arguments: [-0.1, Double.nan, .infinity])
    func invalidWeight(weight: Double) {
        let set = WeightSet(id: "w", effectiveFrom: utc("2026-01-01"), weights: ["gross": 1, "net": weight])
        let error = #expect(throws: ScorecardError.self) { try Scorecard(objectives: Self.objectives, weightSets: [set]) }
        #expect(error?.code == .invalidWeight)
        #expect(error?.message.contains("\"w\"") == true)
    }

    @Test("A weight set that weighs nothing is refused", arguments: [[:], ["gross": 0.0, "net": 0.0]])
    func allZeroWeights(weights: [String: Double]) {
        let set = WeightSet(id: "w", effectiveFrom: utc("2026-01-01"), weights: weights)
        let error = #expect(throws: ScorecardError.self) { try Scorecard(objectives: Self.objectives, weightSets: [set]) }
        #expect(error?.code == .allZeroWeights)
    }

    @Test("A weight for an objective the scorecard lacks is refused")
    func unknownObjectiveWeight() {
        let set = WeightSet(id: "w", effectiveFrom: utc("2026-01-01"), weights: ["gross": 1, "nps": 1])
        let error = #expect(throws: ScorecardError.self) { try Scorecard(objectives: Self.objectives, weightSets: [set]) }
        #expect(error?.code == .unknownObjective)
        #expect(error?.message.contains("nps") == true)
    }

    @Test("Two weight sets effective at the same instant are refused")
    func overlappingEffectiveDates() {
        var twin = Self.afterBreakdown
        twin.id = "twin"
        let error = #expect(throws: ScorecardError.self) {
            try Scorecard(objectives: Self.objectives, weightSets: [Self.balanced, Self.afterBreakdown, twin])
        }
        #expect(error?.code == .overlappingEffectiveDates)
    }

    @Test("An objective with an unusable normaliser is refused")
    func invalidNormaliser() {
        var objectives = Self.objectives
        objectives[0].normaliser = .linear(lower: 0.3, upper: 0)
        let error = #expect(throws: ScorecardError.self) { try Scorecard(objectives: objectives, weightSets: [Self.balanced]) }
        #expect(error?.code == .invalidNormaliser)
        #expect(error?.message.contains("gross") == true)
    }

    @Test("Two objectives with the same id are refused")
    func duplicateObjective() {
        let error = #expect(throws: ScorecardError.self) {
            try Scorecard(objectives: Self.objectives + [Self.objectives[0]], weightSets: [Self.balanced])
        }
        #expect(error?.code == .duplicateObjective)
    }

    @Test("A non-finite raw value is refused", arguments: [Double.nan, .infinity, -.infinity])
    func invalidMeasurement(value: Double) throws {
        let card = try scorecard()
        let bad = RapportModel.Measurement(id: "bad", objectiveID: "net", period: period("2026-Q3"), value: value)
        let error = #expect(throws: ScorecardError.self) { try card.report(for: period("2026-Q3"), measurements: [bad]) }
        #expect(error?.code == .invalidMeasurement)
    }

    @Test("Two measurements of one objective in the period are refused rather than one silently winning")
    func duplicateMeasurement() throws {
        let card = try scorecard()
        let again = RapportModel.Measurement(id: "again", objectiveID: "gross", period: period("2026-Q3"), value: 0.01)
        let error = #expect(throws: ScorecardError.self) {
            try card.report(for: period("2026-Q3"), measurements: Self.measurements("2026-Q3") + [again])
        }
        #expect(error?.code == .duplicateMeasurement)
        #expect(error?.message.contains("gross") == true)
    }

    @Test("A measurement of an objective the scorecard lacks is refused")
    func unknownObjectiveMeasurement() throws {
        let card = try scorecard()
        let stray = RapportModel.Measurement(id: "stray", objectiveID: "nps", period: period("2026-Q3"), value: 30)
        let error = #expect(throws: ScorecardError.self) { try card.report(for: period("2026-Q3"), measurements: [stray]) }
        #expect(error?.code == .unknownObjective)
    }

    @Test("A period that began before any weight set is refused")
    func noWeightSet() throws {
        let card = try scorecard()
        let error = #expect(throws: ScorecardError.self) { try card.report(for: period("2025-Q4"), measurements: []) }
        #expect(error?.code == .noWeightSet)
        let empty = try Scorecard(objectives: Self.objectives, weightSets: [])
        #expect((#expect(throws: ScorecardError.self) { try empty.report(for: period("2026"), measurements: []) })?.code == .noWeightSet)
    }
}

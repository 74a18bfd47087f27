import Foundation
import RapportModel
import Testing

/// Periods in sequence and monthly measurements rolled up into quarters and years.
struct TrendTests {
    @Test func aRangeStepsThroughConsecutivePeriodsOfOneKind() throws {
        #expect(try Period.range(from: period("2025-11"), through: period("2026-02")).map(\.description) == ["2025-11", "2025-12", "2026-01", "2026-02"])
        #expect(try Period.range(from: period("2025-Q4"), through: period("2026-Q2")).map(\.description) == ["2025-Q4", "2026-Q1", "2026-Q2"])
        #expect(try Period.range(from: period("2026"), through: period("2026")).map(\.description) == ["2026"])
        #expect(throws: ScorecardError.self) { try Period.range(from: period("2026-01"), through: period("2026-Q2")) }
        #expect(throws: ScorecardError.self) { try Period.range(from: period("2026-03"), through: period("2026-01")) }
        #expect(throws: ScorecardError.self) { try Period.range(from: period("2000-01"), through: period("2099-12")) }
        #expect(period("9999-12").next == nil)
    }

    @Test("every period's next starts where it ends, and its parts tile it", arguments: ["2026", "2026-Q1", "2026-Q4", "2026-02", "2026-12", "1999-Q3"])
    func nextAndParts(text: String) throws {
        let p = period(text)
        #expect(p.next?.start == p.end)
        #expect(p.next?.granularity == p.granularity)
        let parts = p.parts
        if p.granularity != .month {
            #expect(parts.first?.start == p.start && parts.last?.end == p.end)
            #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.end == $1.start })
            #expect(parts.allSatisfy { p.contains($0) })
        }
    }

    static let churn = Objective(id: "o-churn", key: .grossChurn, name: "Churn", direction: .lowerIsBetter, normaliser: .passthrough)
    static let revenue = Objective(id: "o-rev", key: .revenue, name: "Revenue", direction: .higherIsBetter, normaliser: .passthrough)

    static func m(_ objective: Objective, _ text: String, _ value: Double) -> RapportModel.Measurement {
        RapportModel.Measurement(id: "\(objective.id)-\(text)", objectiveID: objective.id, period: period(text), value: value)
    }

    @Test func ratesRollUpAsTheMeanAndRevenueAsTheLastValueAndAMeasurementOfThePeriodWins() throws {
        let measured = [
            Self.m(Self.churn, "2026-01", 0.02), Self.m(Self.churn, "2026-02", 0.04), Self.m(Self.churn, "2026-03", 0.09),
            Self.m(Self.revenue, "2026-01", 100), Self.m(Self.revenue, "2026-03", 130), Self.m(Self.revenue, "2026-02", 120),
            Self.m(Self.churn, "2026-Q2", 0.1), Self.m(Self.churn, "2026-04", 0.5),
        ]
        let q1 = try #require(RollUp.value(of: Self.churn, in: period("2026-Q1"), measurements: measured))
        #expect(isClose(q1.value, 0.05) && q1.sources == 3)
        #expect(RollUp.value(of: Self.revenue, in: period("2026-Q1"), measurements: measured)?.value == 130)
        #expect(RollUp.value(of: Self.churn, in: period("2026-Q2"), measurements: measured)?.value == 0.1)
        // A year rolls up its quarters: Q1 (mean of months 0.05) and Q2 (its own 0.1).
        #expect(isClose(RollUp.value(of: Self.churn, in: period("2026"), measurements: measured)?.value, 0.075))
        #expect(RollUp.value(of: Self.churn, in: period("2026-Q3"), measurements: measured) == nil)
        #expect(RollUp.rule(for: .nps) == .mean && RollUp.rule(for: .revenue) == .last && RollUp.rule(for: .custom("x")) == .mean)
    }

    @Test("combining does not depend on order; the mean lies between the extremes; sum is mean × count", arguments: 0..<20)
    func combineProperties(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed))
        let months = try Period.range(from: period("2025-01"), through: period("2026-12"))
        let count = Int.random(in: 1...12, using: &generator)
        let values = months.shuffled(using: &generator).prefix(count).map { ($0, Double.random(in: -100...100, using: &generator)) }
        let shuffled = values.shuffled(using: &generator)
        for rule in RollUp.allCases {
            #expect(isClose(rule.combine(values), try #require(rule.combine(shuffled)), tolerance: 1e-9))
        }
        let mean = try #require(RollUp.mean.combine(values))
        #expect(mean >= values.map(\.1).min()! - 1e-9 && mean <= values.map(\.1).max()! + 1e-9)
        #expect(isClose(RollUp.sum.combine(values), mean * Double(count), tolerance: 1e-6))
        #expect(RollUp.last.combine(values) == values.max { $0.0 < $1.0 }?.1)
        #expect(RollUp.mean.combine([]) == nil)
    }
}

/// A small deterministic generator (SplitMix64) so property cases reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation
import RapportMerge
import RapportModel

/// One period of a score trend: the score, the weight set that judged it, and where it changed.
public struct ScoreTrendPoint: Hashable, Sendable {
    public let period: Period
    /// The period's score; nil when it cannot be scored (`problem` says why, e.g. no weight set yet).
    public let report: ScoreReport?
    public let problem: String?
    /// The weight set in force at the period's start, which judges the whole period.
    public let weightSet: WeightSet?
    /// Whether `weightSet` differs from the previous period's (false for the first period).
    public let weightSetChanged: Bool
    /// Sets that take effect after the period started: they judge the next period, not this one.
    public let setsTakingEffectWithin: [WeightSet]
    /// Ids of objectives whose value was rolled up from finer periods (see `RollUp`).
    public let rolledUp: [String]
}

extension Store {
    /// The scorecard of `period`; with `rollingUp`, an objective with no measurement for the period
    /// itself gets the roll-up of its measurements inside the period (`RollUp`). Returns the ids
    /// of the objectives rolled up.
    public func scorecard(for period: Period, rollingUp: Bool) throws -> (report: ScoreReport, rolledUp: [String]) {
        guard rollingUp else { return (try scorecard(for: period), []) }
        let card = try Scorecard(objectives: try objectives.list(), weightSets: try distinct(WeightSet.self).records)
        return try Self.score(card, period, measurements: try distinct(RapportModel.Measurement.self).records)
    }

    /// Scores every period from `first` through `last` (same granularity, at most 240), marking
    /// where the weight set changes. A period before any weight set is a point with a problem,
    /// not an error, so a trend can start before the first set.
    public func scoreTrend(from first: Period, through last: Period, rollingUp: Bool = true) throws -> [ScoreTrendPoint] {
        let periods = try Period.range(from: first, through: last)
        let card = try Scorecard(objectives: try objectives.list(), weightSets: try distinct(WeightSet.self).records)
        let measured = try distinct(RapportModel.Measurement.self).records
        var previous: WeightSet?
        var points: [ScoreTrendPoint] = []
        for period in periods {
            let set = card.weightSet(on: period.start)
            let within = card.weightSets.filter { $0.effectiveFrom > period.start && $0.effectiveFrom < period.end }
            var report: ScoreReport?, problem: String?, rolled: [String] = []
            do {
                if rollingUp {
                    (report, rolled) = try Self.score(card, period, measurements: measured)
                } else {
                    report = try card.report(for: period, measurements: measured.filter { $0.period == period })
                }
            } catch let error as ScorecardError {
                problem = error.message
            }
            points.append(ScoreTrendPoint(period: period, report: report, problem: problem, weightSet: set,
                                          weightSetChanged: points.isEmpty ? false : set?.id != previous?.id,
                                          setsTakingEffectWithin: within, rolledUp: rolled))
            previous = set
        }
        return points
    }

    static func score(_ card: Scorecard, _ period: Period, measurements: [RapportModel.Measurement]) throws -> (report: ScoreReport, rolledUp: [String]) {
        var own = measurements.filter { $0.period == period }
        var rolled: [String] = []
        for objective in card.objectives where !own.contains(where: { $0.objectiveID == objective.id }) {
            if let value = RollUp.value(of: objective, in: period, measurements: measurements) {
                own.append(RapportModel.Measurement(id: "rollup:\(objective.id):\(period)", objectiveID: objective.id, period: period, value: value.value))
                rolled.append(objective.id)
            }
        }
        return (try card.report(for: period, measurements: own), rolled)
    }
}

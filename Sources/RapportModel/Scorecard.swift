import Foundation

/// A balanced set of objectives and the history of how they were weighted.
///
/// Construction validates everything up front (weights, objective references, normalisers,
/// effective dates), so a `Scorecard` value can always produce a report for a period that has a
/// weight set. Decoding runs the same validation. Encodes as `{"objectives":[…],"weightSets":[…]}`
/// with weight sets in ascending `effectiveFrom` order.
public struct Scorecard: Sendable, Hashable, Codable {
    public let objectives: [Objective]
    /// Sorted by ascending `effectiveFrom`.
    public let weightSets: [WeightSet]

    /// Throws ``ScorecardError`` for a duplicate objective id, an invalid normaliser, a weight that
    /// is negative or not finite, a set whose weights are all zero (or empty), a weight for an
    /// unknown objective, or two sets with the same `effectiveFrom`.
    public init(objectives: [Objective], weightSets: [WeightSet]) throws {
        var ids = Set<String>()
        for objective in objectives {
            guard ids.insert(objective.id).inserted else {
                throw ScorecardError(.duplicateObjective, "Two objectives have id \"\(objective.id)\"; give each objective its own id.")
            }
            do {
                try objective.normaliser.validate()
            } catch let error as ScorecardError {
                throw ScorecardError(error.code, "Objective \"\(objective.id)\": \(error.message)")
            }
        }
        for set in weightSets {
            for (objectiveID, weight) in set.weights.sorted(by: { $0.key < $1.key }) {
                guard weight.isFinite, weight >= 0 else {
                    throw ScorecardError(.invalidWeight, "Weight set \"\(set.id)\" gives \"\(objectiveID)\" weight \(weight); weights must be finite and at least 0.")
                }
                guard ids.contains(objectiveID) else {
                    throw ScorecardError(.unknownObjective, "Weight set \"\(set.id)\" weighs \"\(objectiveID)\", which is not an objective of this scorecard; add the objective or remove the weight.")
                }
            }
            guard set.weights.values.contains(where: { $0 > 0 }) else {
                throw ScorecardError(.allZeroWeights, "Weight set \"\(set.id)\" gives every objective weight 0; give at least one objective a positive weight.")
            }
        }
        let sorted = weightSets.sorted { $0.effectiveFrom < $1.effectiveFrom }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.effectiveFrom == later.effectiveFrom {
            throw ScorecardError(.overlappingEffectiveDates, "Weight sets \"\(earlier.id)\" and \"\(later.id)\" both take effect at \(later.effectiveFrom); give each set its own effective date.")
        }
        self.objectives = objectives
        self.weightSets = sorted
    }

    /// The weight set in effect at `date`: the one with the latest `effectiveFrom` not after it.
    public func weightSet(on date: Date) -> WeightSet? {
        weightSets.last { $0.effectiveFrom <= date }
    }

    /// Scores `period` from the measurements that belong to it; others are ignored.
    ///
    /// The weight set is the one in effect at `period.start`: weights chosen before the period
    /// began are the rules the team worked under, so a shift announced mid-period judges the next
    /// period, not this one retroactively.
    ///
    /// Throws ``ScorecardError`` with `noWeightSet` when no set was in effect at the start,
    /// `unknownObjective` for a measurement of an objective not on this scorecard,
    /// `duplicateMeasurement` for two measurements of one objective in the period, and
    /// `invalidMeasurement` for a NaN or infinite value.
    public func report(for period: Period, measurements: [Measurement]) throws -> ScoreReport {
        guard let weightSet = weightSet(on: period.start) else {
            throw ScorecardError(.noWeightSet, "No weight set is in effect at the start of \(period); add a weight set effective on or before \(period.start).")
        }
        let known = Set(objectives.map(\.id))
        var raws: [String: Double] = [:]
        for measurement in measurements where measurement.period == period {
            guard known.contains(measurement.objectiveID) else {
                throw ScorecardError(.unknownObjective, "Measurement \"\(measurement.id)\" is for \"\(measurement.objectiveID)\", which is not an objective of this scorecard; add the objective or drop the measurement.")
            }
            guard raws[measurement.objectiveID] == nil else {
                throw ScorecardError(.duplicateMeasurement, "Objective \"\(measurement.objectiveID)\" has more than one measurement for \(period) (again in \"\(measurement.id)\"); keep exactly one.")
            }
            raws[measurement.objectiveID] = measurement.value
        }

        var scores: [String: Double] = [:]
        for objective in objectives {
            guard let raw = raws[objective.id] else { continue }
            do {
                scores[objective.id] = try objective.score(raw)
            } catch let error as ScorecardError {
                throw ScorecardError(error.code, "Objective \"\(objective.id)\" in \(period): \(error.message)")
            }
        }

        func weight(_ id: String) -> Double { weightSet.weights[id] ?? 0 }
        let totalWeight = objectives.reduce(0) { $0 + weight($1.id) }
        let presentWeight = objectives.filter { scores[$0.id] != nil }.reduce(0) { $0 + weight($1.id) }
        let lines = objectives.map { objective in
            let score = scores[objective.id]
            return ScoreLine(
                objectiveID: objective.id,
                objectiveName: objective.name,
                raw: raws[objective.id],
                score: score,
                weight: weight(objective.id),
                contribution: presentWeight > 0 ? score.map { weight(objective.id) * $0 / presentWeight } : nil
            )
        }
        let overall = presentWeight > 0 ? lines.compactMap(\.contribution).reduce(0, +) : nil
        return ScoreReport(
            period: period,
            weightSetID: weightSet.id,
            overall: overall,
            coverage: totalWeight > 0 ? presentWeight / totalWeight : 0,
            lines: lines
        )
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case objectives, weightSets
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let objectives = try container.decode([Objective].self, forKey: .objectives)
        let weightSets = try container.decode([WeightSet].self, forKey: .weightSets)
        do {
            try self.init(objectives: objectives, weightSets: weightSets)
        } catch let error as ScorecardError {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error)
            )
        }
    }
}

import Foundation
import RapportMerge
import RapportModel

extension Store {
    /// Removes an objective together with its measurements, in one transaction; returns how many
    /// measurements went with it.
    ///
    /// Refuses (`.invalidArgument`) while a live weight set weighs the objective: the scorecard
    /// would no longer validate. The message names those sets by date and reason.
    @discardableResult
    public func removeObjective(id: String) throws -> Int {
        let weighing = try distinct(WeightSet.self).records.filter { $0.weights[id] != nil }
        guard weighing.isEmpty else {
            let sets = weighing.sorted { $0.effectiveFrom < $1.effectiveFrom }.map { set in
                "from \(set.effectiveFrom.formatted(Date.ISO8601FormatStyle().year().month().day()))\(set.reason.isEmpty ? "" : " (\(set.reason))")"
            }
            throw StoreError(code: .invalidArgument, message: "the weight sets \(sets.joined(separator: ", ")) weigh this objective; set those weights without it (or remove the sets) first")
        }
        let measured = try measurements.list(where: "objectiveID", equals: .string(id))
        try batch { batch in
            for measurement in measured { _ = try batch.delete(RapportModel.Measurement.self, id: measurement.id) }
            _ = try batch.delete(Objective.self, id: id)
        }
        return measured.count
    }

    /// The live objective with this key, if any (the one reads use when an old database holds two).
    public func objective(key: ObjectiveKey) throws -> Objective? {
        try distinct(Objective.self, where: "key", equals: .string(key.rawValue)).records.first
    }
}

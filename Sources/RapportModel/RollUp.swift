import Foundation

/// How monthly measurements of an objective add up to a quarter, and quarters to a year.
///
/// A measurement recorded for the period itself always wins; a roll-up only fills a period that
/// has none. The rule per objective is ``rule(for:)``:
/// - `mean` for rates and scores (gross and net churn, NPS, CSAT, renewal rate, customer ROI, and
///   custom objectives): a quarter's churn is the average of its months';
/// - `last` for revenue, read as a level (recurring revenue at the end of the period): a quarter's
///   revenue is its last measured month's.
/// A year rolls up its quarters, each quarter being its own measurement or its months' roll-up.
public enum RollUp: String, Sendable, Hashable, Codable, CaseIterable {
    case sum, mean, last

    /// The documented default rule for an objective key (see the type's documentation).
    public static func rule(for key: ObjectiveKey) -> RollUp {
        key == .revenue ? .last : .mean
    }

    /// Combines values of consecutive periods; nil for none. `last` takes the latest period's value.
    public func combine(_ values: [(period: Period, value: Double)]) -> Double? {
        guard !values.isEmpty else { return nil }
        switch self {
        case .sum: return values.reduce(0) { $0 + $1.value }
        case .mean: return values.reduce(0) { $0 + $1.value } / Double(values.count)
        case .last: return values.max { $0.period < $1.period }?.value
        }
    }

    /// The value of `objective` in `period`: its own measurement, else the roll-up of the
    /// period's parts (recursively); nil when nothing inside the period was measured. `sources`
    /// counts the measurements the value came from (1 for a measurement of the period itself).
    public static func value(of objective: Objective, in period: Period, measurements: [Measurement]) -> (value: Double, sources: Int)? {
        let own = measurements.filter { $0.objectiveID == objective.id }
        return value(objective, period, own)
    }

    private static func value(_ objective: Objective, _ period: Period, _ own: [Measurement]) -> (value: Double, sources: Int)? {
        if let direct = own.first(where: { $0.period == period }) { return (direct.value, 1) }
        let parts = period.parts.compactMap { part in value(objective, part, own).map { (part, $0) } }
        guard let combined = rule(for: objective.key).combine(parts.map { ($0.0, $0.1.value) }) else { return nil }
        return (combined, parts.reduce(0) { $0 + $1.1.sources })
    }
}

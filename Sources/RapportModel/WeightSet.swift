import Foundation

/// How much each objective counts toward the overall score from a date on, and why.
///
/// Weights are relative (they need not sum to 1) and keyed by objective id; an objective left
/// out weighs 0. Shifting weights is a new set with a later `effectiveFrom`, never an edit of the
/// old one, so past periods keep being judged as they were. ``Scorecard`` validates sets.
public struct WeightSet: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var effectiveFrom: Date
    public var reason: String
    public var weights: [String: Double]

    public init(id: String, effectiveFrom: Date, reason: String = "", weights: [String: Double]) {
        self.id = id
        self.effectiveFrom = effectiveFrom
        self.reason = reason
        self.weights = weights
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case id, effectiveFrom, reason, weights
    }
}

import Foundation

extension WeightSet {
    /// A weight set whose id is derived from its effective instant, so two devices setting weights
    /// from the same date write one set (see ``NaturalID``).
    public init(effectiveFrom: Date, reason: String = "", weights: [String: Double]) {
        self.init(id: NaturalID.weightSet(effectiveFrom: effectiveFrom), effectiveFrom: effectiveFrom, reason: reason, weights: weights)
    }

    /// The id a weight set effective at this instant has on every device.
    public var naturalID: String { NaturalID.weightSet(effectiveFrom: effectiveFrom) }
}

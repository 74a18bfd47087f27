/// Which end of an objective's raw scale is good: churn is `lowerIsBetter`, revenue `higherIsBetter`.
///
/// Linear normalisers use it to put the better end at 100; bands and passthrough ignore it
/// because their scores are already written as "good is high". Encodes as its case name.
public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
    case higherIsBetter
    case lowerIsBetter
}

/// Why a scorecard, normaliser, period or measurement was rejected, and what to do instead.
///
/// Match on `code`; show `message` to a person. Codes are an open set (a struct, not an enum),
/// so new ones can be added without breaking a caller's `switch`.
public struct ScorecardError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, stable for programs to match on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case invalidWeight, allZeroWeights, unknownObjective, duplicateObjective
            case overlappingEffectiveDates, invalidNormaliser, invalidMeasurement
            case duplicateMeasurement, noWeightSet, invalidPeriod
        }

        private let value: Value

        private init(_ value: Value) { self.value = value }

        /// A weight is negative, NaN or infinite.
        public static let invalidWeight = Code(.invalidWeight)
        /// A weight set gives no objective any weight, so it cannot judge anything.
        public static let allZeroWeights = Code(.allZeroWeights)
        /// A weight or measurement names an objective the scorecard does not have.
        public static let unknownObjective = Code(.unknownObjective)
        /// Two objectives share an id.
        public static let duplicateObjective = Code(.duplicateObjective)
        /// Two weight sets take effect at the same instant, so neither clearly applies.
        public static let overlappingEffectiveDates = Code(.overlappingEffectiveDates)
        /// A normaliser's bounds or bands are unusable.
        public static let invalidNormaliser = Code(.invalidNormaliser)
        /// A raw value is NaN or infinite.
        public static let invalidMeasurement = Code(.invalidMeasurement)
        /// Two measurements give the same objective in the same period.
        public static let duplicateMeasurement = Code(.duplicateMeasurement)
        /// No weight set was in effect when the period began.
        public static let noWeightSet = Code(.noWeightSet)
        /// Text is not a year, quarter or month.
        public static let invalidPeriod = Code(.invalidPeriod)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// What was wrong and what to do about it; names ids, never customer data.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    init(_ code: Code, _ message: String) {
        self.init(code: code, message: message)
    }

    public var description: String { "\(code): \(message)" }
}

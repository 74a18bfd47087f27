/// Why a KPI could not be computed from the given inputs, and what to pass instead.
///
/// Match on `code`; show `message` to a person. Codes are an open set (a struct, not an enum),
/// so new ones can be added without breaking a caller's `switch`.
public struct KPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, stable for programs to match on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case notFinite, nonPositiveStart, negativeAmount, lossExceedsStart, emptySample, outOfRange
        }

        private let value: Value

        private init(_ value: Value) { self.value = value }

        /// An input is NaN or infinite.
        public static let notFinite = Code(.notFinite)
        /// The starting revenue or customer count is 0 or less, so no rate exists.
        public static let nonPositiveStart = Code(.nonPositiveStart)
        /// A contraction, churn, expansion or loss amount is negative.
        public static let negativeAmount = Code(.negativeAmount)
        /// More was lost from the starting base than it contained.
        public static let lossExceedsStart = Code(.lossExceedsStart)
        /// No survey responses were given.
        public static let emptySample = Code(.emptySample)
        /// A survey response is outside its scale.
        public static let outOfRange = Code(.outOfRange)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// What was wrong and what to do about it.
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

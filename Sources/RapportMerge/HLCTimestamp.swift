import Foundation

/// A hybrid logical clock reading: milliseconds of wall time plus a counter that orders events
/// within the same millisecond (or while the wall clock lags behind what the replica has seen).
///
/// Ordered by wall time, then counter. See `HybridLogicalClock` for how readings are produced.
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let wallMillis: Int64
    /// Tie-breaking counter within one `wallMillis`.
    public let counter: UInt32

    public init(wallMillis: Int64, counter: UInt32 = 0) {
        self.wallMillis = wallMillis
        self.counter = counter
    }

    public static let zero = HLCTimestamp(wallMillis: 0, counter: 0)

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        (lhs.wallMillis, lhs.counter) < (rhs.wallMillis, rhs.counter)
    }

    /// The wall-time part as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(wallMillis) / 1000) }

    public var description: String { "\(wallMillis):\(counter)" }
}

extension HLCTimestamp {
    /// `date` as ISO 8601 with milliseconds, for messages a person reads.
    public var isoString: String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}

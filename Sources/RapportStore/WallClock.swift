import Foundation

/// Where the store reads wall time from when it stamps a write.
///
/// `.system` in production; tests and the simulator use `offset(by:)` to play a device whose clock
/// is wrong, or `fixed` for reproducible stamps.
public struct WallClock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = WallClock { Date() }

    /// The system clock shifted by `seconds` (negative = behind).
    public static func offset(by seconds: TimeInterval) -> WallClock { WallClock { Date().addingTimeInterval(seconds) } }

    var millis: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded(.down)) }
}

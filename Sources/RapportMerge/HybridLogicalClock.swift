import Foundation

/// A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014).
///
/// Every local write calls `tick(now:)`; every received change calls `receive(_:now:)`. Because each
/// reading is greater than everything the clock has produced or received, a causally later write
/// always carries a greater timestamp, even when this device's wall clock is behind.
///
/// `now` is passed in (milliseconds since 1970) so the clock is pure and testable; the store passes
/// real time. The state (`latest`) must be persisted so a restart never reuses a reading.
public struct HybridLogicalClock: Hashable, Sendable {
    /// The default bound on how far a remote reading may be ahead of local wall time: 24 hours.
    public static let defaultMaxDriftMillis: Int64 = 24 * 60 * 60 * 1000

    /// The greatest reading produced or received so far.
    public private(set) var latest: HLCTimestamp
    /// Remote readings more than this many milliseconds ahead of local wall time are refused, so one
    /// device with a clock in 2099 cannot win every future conflict.
    public var maxDriftMillis: Int64

    public init(latest: HLCTimestamp = .zero, maxDriftMillis: Int64 = HybridLogicalClock.defaultMaxDriftMillis) {
        self.latest = latest
        self.maxDriftMillis = maxDriftMillis
    }

    /// Produces the reading for a local event.
    public mutating func tick(now: Int64) -> HLCTimestamp {
        latest = Self.advance(past: latest, wall: now)
        return latest
    }

    /// Throws `clockDrift` if `remote` is more than `maxDriftMillis` ahead of `now`; changes nothing.
    public func check(_ remote: HLCTimestamp, now: Int64) throws(ReplicationError) {
        guard remote.wallMillis <= now || remote.wallMillis - now <= maxDriftMillis else {
            let ahead = Double(remote.wallMillis - now) / 3_600_000
            throw ReplicationError(.clockDrift, """
                remote stamp \(remote.isoString) is \(String(format: "%.1f", ahead)) h ahead of local time \
                \(HLCTimestamp(wallMillis: now).isoString) (allowed: \(maxDriftMillis / 60_000) min); \
                fix the sending device's clock, then sync again
                """)
        }
    }

    /// Absorbs a received reading so later local readings are greater than it.
    ///
    /// Refuses (and leaves the clock unchanged) a reading too far ahead of `now`.
    @discardableResult
    public mutating func receive(_ remote: HLCTimestamp, now: Int64) throws(ReplicationError) -> HLCTimestamp {
        try check(remote, now: now)
        if remote > latest { latest = remote }
        return tick(now: now)
    }

    /// Absorbs a reading that was already vetted elsewhere (a server checked it against its own
    /// clock), without this device's drift check: a device whose clock is far behind must still
    /// move past what it receives.
    @discardableResult
    public mutating func absorb(_ remote: HLCTimestamp, now: Int64) -> HLCTimestamp {
        if remote > latest { latest = remote }
        return tick(now: now)
    }

    /// Makes later readings greater than `seen` without producing a reading now (no tick):
    /// a write about to be stamped must come after every write in the record it changes.
    public mutating func observe(_ seen: HLCTimestamp) {
        if seen > latest { latest = seen }
    }

    private static func advance(past previous: HLCTimestamp, wall now: Int64) -> HLCTimestamp {
        if now > previous.wallMillis { return HLCTimestamp(wallMillis: now, counter: 0) }
        if previous.counter == .max { return HLCTimestamp(wallMillis: previous.wallMillis + 1, counter: 0) }
        return HLCTimestamp(wallMillis: previous.wallMillis, counter: previous.counter + 1)
    }
}

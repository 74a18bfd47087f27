import Foundation

/// How an incoming version relates to the one a replica already holds.
public enum Classification: String, Hashable, Sendable, Codable {
    /// Everything in it is already known (its clock is equal or behind).
    case stale
    /// It has seen everything the local version has: it simply replaces it.
    case fastForward
    /// Each side has writes the other has not seen; fields both wrote may conflict.
    case concurrent
}

/// Compares the clocks of `incoming` and `local` (which must describe the same record).
public func classify(_ incoming: RecordVersion, against local: RecordVersion) -> Classification {
    switch incoming.clock.compare(local.clock) {
    case .equal, .before: .stale
    case .after: .fastForward
    case .concurrent: .concurrent
    }
}

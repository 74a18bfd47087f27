import Foundation
import RapportMerge

/// What applying a batch of remote versions did, record by record and in total.
public struct ApplyReport: Hashable, Sendable {
    /// What happened to one incoming version.
    public enum Outcome: Hashable, Sendable {
        /// A record this replica had never seen.
        case inserted
        /// New information merged in; `conflicts` concurrent fields were settled and journaled.
        case updated(conflicts: Int)
        /// Nothing new: already known (a duplicate delivery, or older than what is stored).
        case stale
        /// Refused and not stored; `reason` is a stable code, `message` says what to fix.
        case rejected(reason: String, message: String)
    }

    public var outcomes: [Outcome] = []
    public var inserted = 0
    public var updated = 0
    public var stale = 0
    public var conflicts = 0
    /// True when the batch showed this file to be a restored backup or a copy of a replica, so it
    /// took a fresh replica id (see `ReplicaInfo.replicaID`).
    public var reidentified = false
    public var rejected: Int { outcomes.filter { if case .rejected = $0 { true } else { false } }.count }

    public init() {}

    mutating func record(_ outcome: Outcome) {
        outcomes.append(outcome)
        switch outcome {
        case .inserted: inserted += 1
        case .updated(let n): updated += 1; conflicts += n
        case .stale: stale += 1
        case .rejected: break
        }
    }
}

import Foundation
import RapportMerge

/// Identity and sync state of a replica, as `rapport status` shows it.
public struct ReplicaInfo: Hashable, Sendable {
    public let replicaID: ReplicaID
    public let name: String
    public let createdAt: Date
    /// The server cursor of the last applied page (`""` before the first sync).
    public let cursor: String
    public let lastSyncAt: Date?
    /// Local changes not yet acknowledged by a server.
    public let pendingChanges: Int
    public let openConflicts: Int
    /// The latest hybrid-logical-clock reading this replica has produced or seen.
    public let clock: HLCTimestamp
    /// The workspace the cursor belongs to (nil before the first sync).
    public let workspace: String?
    /// The server's wall time when this replica last heard from it.
    public let serverTime: Date?
    /// Pulled versions kept because this build cannot read them (merged after an upgrade).
    public let unreadable: Int
}

import Foundation
import RapportStore

/// One workspace of a sync server (a CS team's shared data), as listed by `ServerStore.workspaces()`.
///
/// `latestSequence` is the position of the newest change in the workspace's feed (0 when it has
/// none); `records` counts the records stored, tombstones included.
public struct WorkspaceInfo: Hashable, Sendable {
    public let name: String
    public let records: Int
    public let latestSequence: Int64
    public let createdAt: Date

    public init(name: String, records: Int, latestSequence: Int64, createdAt: Date) {
        self.name = name
        self.records = records
        self.latestSequence = latestSequence
        self.createdAt = createdAt
    }
}

import Foundation

/// One page of `GET /v1/workspaces/{workspace}/changes`: changes after `since`, in sequence order.
///
/// Apply the page and store `nextCursor` in one transaction, then ask again while `hasMore` is
/// true. `epoch` is the server's current epoch (also inside `nextCursor`). An empty page still
/// carries a `nextCursor`, which may be later than `since` and must be stored.
public struct ChangesResponse: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var epoch: String
    public var changes: [Change]
    public var nextCursor: SyncCursor
    public var hasMore: Bool

    public init(protocolVersion: Int = ProtocolVersion.current, epoch: String, changes: [Change], nextCursor: SyncCursor, hasMore: Bool) {
        self.protocolVersion = protocolVersion
        self.epoch = epoch
        self.changes = changes
        self.nextCursor = nextCursor
        self.hasMore = hasMore
    }
}

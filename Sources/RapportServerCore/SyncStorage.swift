import Foundation
import RapportMerge
import RapportStore

/// What `SyncService` needs from a server database: tokens, workspaces, the merged feed.
///
/// `ServerStore` (SQLite) is the implementation; the protocol is the seam where another one (an
/// in-memory driver for tests, PostgreSQL) plugs in without touching the service or its adapters.
/// Every method is safe to call from any task.
public protocol SyncStorage: Sendable {
    /// The current epoch of the database.
    var epoch: String { get }
    func tokenCredential(id: String) throws -> TokenCredential?
    func hasWorkspace(_ name: String) throws -> Bool
    /// Merges several pushes in one transaction and one commit (see `ServerStore.push(_:now:)`):
    /// per batch, an outcome per version in order and the feed head after the commit, or the error
    /// that failed that batch alone. Throws when the commit itself fails (then nothing happened).
    func push(_ batches: [PushBatch], now: Date) throws -> [Result<PushCommit, any Error>]
    /// The page after `since`; `.historyChanged` when `since` is from another history of the database.
    func changes(workspace: String, since: FeedPosition, limit: Int) throws -> ChangeFeedPage
    /// The end of a workspace's feed right now.
    func feedHead(workspace: String) throws -> FeedPosition
}

extension ServerStore: SyncStorage {}

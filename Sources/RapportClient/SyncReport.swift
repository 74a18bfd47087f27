import Foundation

/// What one `sync()` did, for the CLI to print and for tests to check.
///
/// Push side: `pushed` versions answered by the server, `acknowledged` outbox entries cleared (fewer
/// than pushed when a record was written again meanwhile; it stays queued), `rejected` records set
/// aside with the server's reasons, `serverConflicts` concurrent fields the server settled,
/// `pushRequests` HTTP requests it took (413 splits included).
/// Pull side: `pulled` versions received in `pages` pages, and what applying them did locally
/// (`inserted`, `updated`, `stale`, `conflicts` journaled, `refused` versions the store would not take).
/// `fullResync` says the server was a new database and everything was pushed and pulled again.
public struct SyncReport: Sendable, Hashable {
    public var pushed = 0
    public var acknowledged = 0
    public var rejected: [Rejected] = []
    public var serverConflicts = 0
    public var pushRequests = 0
    public var pulled = 0
    public var inserted = 0
    public var updated = 0
    public var stale = 0
    public var conflicts = 0
    public var refused = 0
    public var pages = 0
    public var fullResync = false
    /// This replica's clock had run ahead under a wrong device clock; it took a fresh id and re-stamped its unsynced future writes.
    public var clockRecovered = false
    /// The cursor stored after the last applied page.
    public var cursor = ""
    public var duration: TimeInterval = 0

    public init() {}
}

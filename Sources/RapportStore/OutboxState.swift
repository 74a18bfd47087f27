import Foundation

/// How much of this replica's work waits to be pushed, and the newest local change number.
///
/// `lastChange` grows with every local write, even a second edit of a record already queued, so
/// an observed `OutboxState` (`Store.observe { try $0.outboxState() }.removeDuplicates()`) changes
/// on every write a sync should push: what a live sync watches to push soon after an edit.
public struct OutboxState: Hashable, Sendable {
    /// Records with local changes the server has not acknowledged.
    public let pending: Int
    /// The number of the newest outbox entry, 0 when the outbox is empty.
    public let lastChange: Int64
}

extension Store {
    /// The outbox at a glance; see `OutboxState`.
    public func outboxState() throws -> OutboxState {
        try withCore { core in
            try core.read {
                let statement = try core.db.cachedStatement("SELECT count(*), coalesce(max(change), 0) FROM _outbox")
                defer { statement.reset() }
                _ = try statement.step()
                return OutboxState(pending: Int(statement.int64(0)), lastChange: statement.int64(1))
            }
        }
    }
}

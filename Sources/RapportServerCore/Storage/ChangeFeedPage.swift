import Foundation
import RapportStore

/// A slice of a workspace's change feed, in increasing sequence order, and the newest sequence at
/// the moment it was read (both from one read transaction, so they agree).
///
/// There is more to fetch after this page exactly when the last entry's sequence is below
/// `latestSequence`. `next` is where a reader stands after this page (its cursor), in the epoch
/// and with the commit tag read in the same transaction.
public struct ChangeFeedPage: Hashable, Sendable {
    public let entries: [ChangeFeedEntry]
    public let latestSequence: Int64
    public let next: FeedPosition

    public init(entries: [ChangeFeedEntry], latestSequence: Int64, next: FeedPosition) {
        self.entries = entries
        self.latestSequence = latestSequence
        self.next = next
    }

    /// Whether entries after this page exist.
    public var hasMore: Bool { (entries.last?.sequence ?? latestSequence) < latestSequence }
}

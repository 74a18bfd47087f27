import Foundation

/// A slice of a workspace's change feed, in increasing sequence order, and the newest sequence at
/// the moment it was read (both from one read transaction, so they agree).
///
/// There is more to fetch after this page exactly when the last entry's sequence is below
/// `latestSequence`.
public struct ChangeFeedPage: Hashable, Sendable {
    public let entries: [ChangeFeedEntry]
    public let latestSequence: Int64

    public init(entries: [ChangeFeedEntry], latestSequence: Int64) {
        self.entries = entries
        self.latestSequence = latestSequence
    }

    /// Whether entries after this page exist.
    public var hasMore: Bool { (entries.last?.sequence ?? latestSequence) < latestSequence }
}

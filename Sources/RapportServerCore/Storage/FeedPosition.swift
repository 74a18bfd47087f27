import Foundation
import RapportStore

/// Where a reader stands in a workspace's change feed: the server epoch, the last sequence read, and
/// the tag of the push commit that wrote that sequence.
///
/// The protocol's cursor in store terms. `epoch` is nil only at the start (sequence 0); `tag` is nil
/// at sequence 0 and for positions handed out before commits were tagged, which are then checked
/// by epoch and feed length only.
public struct FeedPosition: Hashable, Sendable {
    public var epoch: String?
    public var sequence: Int64
    public var tag: String?

    public init(epoch: String?, sequence: Int64, tag: String? = nil) {
        self.epoch = epoch
        self.sequence = sequence
        self.tag = tag
    }

    /// The start of every feed, in any epoch.
    public static let start = FeedPosition(epoch: nil, sequence: 0)
}

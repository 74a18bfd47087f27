import Foundation
import RapportMerge

/// One entry of the change feed: the server's merged version of a record and its position.
///
/// Sequences are per workspace and strictly increasing along the feed. Apply `version` with
/// `merge`, never by overwriting, so a page received twice changes nothing.
public struct Change: Codable, Sendable, Hashable {
    public var sequence: Int64
    public var version: RecordVersion

    public init(sequence: Int64, version: RecordVersion) {
        self.sequence = sequence
        self.version = version
    }
}

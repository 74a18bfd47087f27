import Foundation
import RapportMerge

/// One entry of the change feed: the server's merged version of a record and its position.
///
/// Sequences are per workspace and strictly increasing along the feed. Apply `version` with
/// `merge`, never by overwriting, so a page received twice changes nothing.
public struct Change: Codable, Sendable, Hashable {
    public var sequence: Int64
    public var version: RecordVersion
    /// Conflicts the server settled on this record (all of them, every time it is delivered; the
    /// receiving replica journals each pair of writes once) (`local` = the version the server held, `remote` = the one pushed). Absent when none.
    public var conflicts: [Conflict]?

    public init(sequence: Int64, version: RecordVersion, conflicts: [Conflict]? = nil) {
        self.sequence = sequence
        self.version = version
        self.conflicts = conflicts
    }
}

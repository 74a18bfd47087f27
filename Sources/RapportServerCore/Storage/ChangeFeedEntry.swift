import Foundation
import RapportStore

/// One entry of a workspace's change feed as stored: its sequence and the record version's JSON.
///
/// `json` is exactly the text the server stored (the wire form of a `RecordVersion`), so a server
/// can splice it into a response without decoding and re-encoding it: pulling is the hot path.
public struct ChangeFeedEntry: Hashable, Sendable {
    public let sequence: Int64
    public let json: String
    /// JSON of the conflicts server merges settled on this record (all of them; receivers deduplicate)
    /// (a `Conflict` each, the stored side as `local` and the pushed side as `remote`).
    public let conflicts: [String]

    public init(sequence: Int64, json: String, conflicts: [String] = []) {
        self.sequence = sequence
        self.json = json
        self.conflicts = conflicts
    }
}

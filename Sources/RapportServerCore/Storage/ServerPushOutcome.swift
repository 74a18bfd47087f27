import Foundation
import RapportStore
import RapportMerge

/// What `ServerStore.push` did with one pushed version.
///
/// `accepted`: a record the workspace did not have, stored at `sequence`. `stale`: the merge changed
/// nothing (a duplicate or older version); `sequence` is where the stored record sits, and no new
/// sequence was used, which is what makes a repeated push harmless. `merged`: the stored record
/// changed and moved to `sequence`, and `conflicts` lists the concurrent field edits the merge order
/// settled (seen from the server: `local` is what it held, `remote` what was pushed), so a caller
/// can journal them; a version that was simply newer is `accepted` instead. `rejected`: not stored; `reason` is a
/// stable protocol code and `message` says what to fix without quoting values.
public enum ServerPushOutcome: Hashable, Sendable {
    case accepted(sequence: Int64)
    case stale(sequence: Int64)
    case merged(sequence: Int64, conflicts: [Conflict])
    case rejected(reason: String, message: String)
}

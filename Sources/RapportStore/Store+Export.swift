import Foundation
import RapportMerge

/// Versions a replica hands to another without a server (a file carried between laptops).
public struct ExportedChanges: Hashable, Sendable {
    /// Every version that changed on this replica after the `since` change number, tombstones included.
    public let versions: [RecordVersion]
    /// Pass this as `since` next time to export only what changed afterwards.
    public let nextSince: Int64
}

extension Store {
    /// Versions of records this replica changed (locally or by merging) after change number
    /// `since` (0 = everything). Importing them elsewhere with `apply` is idempotent.
    public func exportChanges(since: Int64 = 0) throws -> ExportedChanges {
        try withCore { core in
            // These writes leave the device: a file restored to before this point must not reuse their numbers.
            defer { core.rememberIdentity() }
            return try core.read {
                try core.loadState()
                var changed: [(seq: Int64, entity: String, id: String)] = []
                for schema in core.schema.entities {
                    let statement = try core.db.cachedStatement(try core.entitySQL(schema.name).changedSince)
                    try statement.bind(since, at: 1)
                    while try statement.step() { changed.append((statement.int64(1), schema.name, statement.string(0) ?? "")) }
                    statement.reset()
                }
                let versions = try changed.sorted { $0.seq < $1.seq }.compactMap { try core.loadVersion($0.entity, id: $0.id) }
                return ExportedChanges(versions: versions, nextSince: core.changeCounter)
            }
        }
    }
}

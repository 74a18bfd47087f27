import Foundation
import RapportStore
import RapportMerge
import RapportProtocol

extension ServerStore {
    /// Stops sending a conflict with its record once a replicated `ConflictResolution` for its
    /// pair of writes has arrived: only open conflicts travel, so what a new replica inherits stays
    /// bounded and never reopens a settled one (the resolution itself reaches it as a record).
    static func forgetResolvedConflict(_ db: Database, workspace: String, resolution version: RecordVersion) throws {
        guard version.entity == ConflictResolution.schema.name, !version.isDeleted,
              let resolution = try? ConflictResolution(id: version.id, fieldValues: version.values)
        else { return }
        let select = try db.cachedStatement("SELECT rowid, json FROM conflict WHERE workspace = ? AND entity = ? AND id = ?")
        try select.bind(workspace, at: 1)
        try select.bind(resolution.entity, at: 2)
        try select.bind(resolution.recordID, at: 3)
        var settled: [Int64] = []
        while try select.step() {
            guard let conflict = WireCoding.decodeConflict(select.textBytes(1) ?? []) else { continue }
            let key = ConflictResolution.key(entity: conflict.entity, recordID: conflict.id, field: conflict.field,
                                             conflict.local.stamp, conflict.remote.stamp)
            if key.id == resolution.id { settled.append(select.int64(0)) }
        }
        select.reset()
        let delete = try db.cachedStatement("DELETE FROM conflict WHERE rowid = ?")
        for rowid in settled {
            try delete.bind(rowid, at: 1)
            try delete.run()
            delete.reset()
        }
    }
}

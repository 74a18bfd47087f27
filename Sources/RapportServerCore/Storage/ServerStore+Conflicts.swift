import Foundation
import RapportStore
import RapportMerge
import RapportProtocol

extension ServerStore {
    /// Stops sending a conflict with its record once a replicated `ConflictResolution` for its
    /// pair of writes has arrived: only open conflicts travel, so what a new replica inherits stays
    /// bounded and never reopens a settled one (the resolution itself reaches it as a record).
    static func forgetConflicts(_ db: Database, workspace: String, settledBy resolutions: [ConflictResolution]) throws {
        guard !resolutions.isEmpty else { return }
        let select = try db.cachedStatement("SELECT rowid, json FROM conflict WHERE workspace = ? AND entity = ? AND id = ?")
        let delete = try db.cachedStatement("DELETE FROM conflict WHERE rowid = ?")
        for resolution in resolutions {
            try select.bind(workspace, at: 1)
            try select.bind(resolution.entity, at: 2)
            try select.bind(resolution.recordID, at: 3)
            var settled: [Int64] = []
            while try select.step() {
                guard let conflict = WireCoding.decodeConflict(select.textBytes(1) ?? []) else { continue }
                if PushPlan.settles(resolution, conflict) { settled.append(select.int64(0)) }
            }
            select.reset()
            for rowid in settled {
                try delete.bind(rowid, at: 1)
                try delete.run()
                delete.reset()
            }
        }
    }
}

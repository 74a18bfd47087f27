import Foundation
import RapportMerge

extension ReplicaCore {
    /// Why an incoming version cannot be merged, or nil when it can: unknown entity, fields that do
    /// not fit the schema, parts that contradict each other, or a stamp too far in the future.
    /// A replica keeps fields its schema does not know (a newer app wrote them): see `ReplicaSchema`.
    func problem(with version: RecordVersion, checkDrift: Bool) -> (reason: String, message: String)? {
        Self.problem(with: version, clock: clock, now: wallClock.millis, checkDrift: checkDrift, schema: schema, keepingUnknown: true)
    }

    /// The checks every receiver (replica or server) runs before merging a version, against
    /// `schema`; `keepingUnknown` accepts well-formed fields it does not know (a replica does, a
    /// server does not: it refuses them with `declareHint` in the message).
    package static func problem(with version: RecordVersion, clock: HybridLogicalClock, now: Int64, checkDrift: Bool = true,
                                schema replicaSchema: ReplicaSchema = .builtIn, keepingUnknown: Bool = false,
                                declareHint: String? = nil) -> (reason: String, message: String)? {
        guard let schema = replicaSchema.byName[version.entity] else {
            let hint = declareHint.map { "; \($0)" } ?? ""
            return ("unknown_entity", "unknown entity '\(version.entity.prefix(64))'; known: \(replicaSchema.entities.map(\.name).joined(separator: ", "))\(hint)")
        }
        guard !version.id.isEmpty, version.id.utf8.count <= maxIDBytes else { return ("invalid_value", "record ids are 1…\(maxIDBytes) bytes") }
        if let problem = schema.problem(with: version.fields, keepingUnknown: keepingUnknown, declareHint: declareHint) { return problem }
        if let check = Entities.valueChecks[version.entity] {
            do { try check(version.id, version.values) } catch let error as StoreError { return ("invalid_value", error.message) } catch {
                return ("invalid_value", "\(version.entity) has a value that does not parse")
            }
        }
        do { try version.validate() } catch { return ("invalid_version", error.message) }
        if checkDrift {
            do { try clock.check(version.maxStamp.hlc, now: now) } catch { return ("clock_drift", error.message) }
        }
        return nil
    }

    /// Merges remote versions, journals their conflicts and (if given) moves the cursor: all in
    /// one transaction (durability invariant 2). Refused versions are reported, skipped and, on a
    /// pulled page (`cursor` given), kept in the rejection list, since the cursor moves past them.
    ///
    /// A pulled page was already checked by the server against its clock, so it is not refused
    /// for clock drift here: a device whose own clock is far behind must still receive everyone's
    /// writes. Versions from anywhere else (a bundle file) are checked.
    func apply(_ versions: [RecordVersion], cursor: String?, workspace: String? = nil, serverConflicts: [Conflict] = [], serverTime: Int64? = nil,
               vetted: Bool? = nil) throws -> ApplyReport {
        let vetted = vetted ?? (cursor != nil)
        return try write {
            try noteServerTime(serverTime)
            var report = ApplyReport()
            var sawOwnUnknownWrites = false
            let detectedAt = wallClock.millis
            // Received resolutions, settled after every record of the page is in.
            var touched: [RecordVersion] = []
            for version in versions {
                if let problem = problem(with: version, checkDrift: !vetted) {
                    report.record(.rejected(reason: problem.reason, message: problem.message))
                    if vetted {
                        try keepRejected(entity: version.entity, id: version.id, reason: "incoming_" + problem.reason, message: problem.message)
                        if problem.reason != "clock_drift" { try keepUnreadable(version, reason: problem.reason) }
                    }
                    continue
                }
                let latest = version.maxStamp.hlc
                clock.absorb(latest, now: wallClock.millis)
                saneLatest = max(saneLatest, latest)
                let local = try loadVersion(version.entity, id: version.id)
                if version.clock[replicaID] > (local?.clock[replicaID] ?? 0) { sawOwnUnknownWrites = true }
                guard let local else {
                    try storeVersion(version, .merged(over: nil))
                    report.record(.inserted)
                    if version.entity == ConflictResolution.schema.name { touched.append(version) }
                    continue
                }
                let merged = merge(local, version)
                guard merged != local else {
                    report.record(.stale)
                    continue
                }
                let found = conflicts(between: local, and: version)
                for conflict in found { _ = try journalIfNew(conflict, at: detectedAt) }
                try storeVersion(merged, .merged(over: local))
                report.record(.updated(conflicts: found.count))
                if merged.entity == ConflictResolution.schema.name { touched.append(merged) }
            }
            // Conflicts a server settled travel with their record; journaled after the records, so
            // that a resolution arriving on the same page marks them settled.
            for conflict in serverConflicts where try journalIfNew(oriented(conflict), at: detectedAt) {
                report.conflicts += 1
            }
            for version in touched where !version.isDeleted {
                try closeEntries(resolvedBy: try ConflictResolution(id: version.id, fieldValues: version.values))
            }
            if sawOwnUnknownWrites {
                // Someone has seen writes of this replica id that this file lacks: it is a restored
                // backup or a copy. Writing on under the same id would reuse write numbers (dots)
                // and hide conflicts, so this file takes a fresh id from now on.
                try reidentify()
                report.reidentified = true
            }
            if let cursor { try setCursor(cursor, workspace: workspace) }
            return report
        }
    }

    /// Keeps a pulled version this replica cannot read (an entity or value from a newer app), so
    /// that it is merged once an upgrade can read it, although the cursor has moved past it.
    func keepUnreadable(_ version: RecordVersion, reason: String) throws {
        let kept: RecordVersion
        if let earlier = try unreadable(entity: version.entity, id: version.id), earlier.entity == version.entity, earlier.id == version.id {
            kept = merge(earlier, version)
        } else {
            kept = version
        }
        let statement = try db.cachedStatement("""
            INSERT INTO _unreadable (entity, id, version, reason, kept_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, reason = excluded.reason, kept_at = excluded.kept_at
            """)
        try statement.bind(version.entity, at: 1)
        try statement.bind(version.id, at: 2)
        try statement.bind(String(decoding: try JSONEncoder().encode(kept), as: UTF8.self), at: 3)
        try statement.bind(reason, at: 4)
        try statement.bind(wallClock.millis, at: 5)
        try statement.run()
    }

    private func unreadable(entity: String, id: String) throws -> RecordVersion? {
        let statement = try db.cachedStatement("SELECT version FROM _unreadable WHERE entity = ? AND id = ?")
        try statement.bind(entity, at: 1)
        try statement.bind(id, at: 2)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try? JSONDecoder().decode(RecordVersion.self, from: Data((statement.string(0) ?? "").utf8))
    }

    /// Merges the kept unreadable versions that this build can now read; returns how many.
    @discardableResult
    func retryUnreadable() throws -> Int {
        // Opening a store must not take the write lock (or run clock recovery) for nothing.
        guard try read({ try unreadableCount() }) > 0 else { return 0 }
        return try write {
            let statement = try db.cachedStatement("SELECT entity, id, version FROM _unreadable")
            var kept: [(entity: String, id: String, version: RecordVersion?)] = []
            while try statement.step() {
                kept.append((statement.string(0) ?? "", statement.string(1) ?? "",
                             try? JSONDecoder().decode(RecordVersion.self, from: Data((statement.string(2) ?? "").utf8))))
            }
            statement.reset()
            var readable: [RecordVersion] = []
            for item in kept {
                guard let version = item.version else { continue }
                if problem(with: version, checkDrift: false) == nil { readable.append(version) }
            }
            guard !readable.isEmpty else { return 0 }
            let delete = try db.cachedStatement("DELETE FROM _unreadable WHERE entity = ? AND id = ?")
            for version in readable {
                try delete.bind(version.entity, at: 1)
                try delete.bind(version.id, at: 2)
                try delete.run()
                delete.reset()
                let rejected = try db.cachedStatement("DELETE FROM _rejected WHERE entity = ? AND id = ? AND reason LIKE 'incoming_%'")
                try rejected.bind(version.entity, at: 1)
                try rejected.bind(version.id, at: 2)
                try rejected.run()
                rejected.reset()
            }
            // Already vetted by the server that sent them, as a pulled page is.
            _ = try apply(readable, cursor: nil, vetted: true)
            return readable.count
        }
    }

    /// How many pulled versions are kept because this build cannot read them.
    func unreadableCount() throws -> Int {
        let statement = try db.cachedStatement("SELECT count(*) FROM _unreadable")
        defer { statement.reset() }
        _ = try statement.step()
        return Int(statement.int64(0))
    }

    func keepRejected(entity: String, id: String, change: Int64 = 0, reason: String, message: String) throws {
        let statement = try db.cachedStatement("""
            INSERT INTO _rejected (entity, id, change, reason, message, rejected_at) VALUES (?, ?, ?, ?, ?, ?)
            """)
        try statement.bind(String(entity.prefix(64)), at: 1)
        try statement.bind(String(id.prefix(256)), at: 2)
        try statement.bind(change, at: 3)
        try statement.bind(reason, at: 4)
        try statement.bind(message, at: 5)
        try statement.bind(wallClock.millis, at: 6)
        try statement.run()
    }

    /// Gives this file a new random replica id (persisted in the current transaction).
    func reidentify() throws {
        let old = replicaID
        replicaID = ReplicaID.random()
        // The ids this file wrote under before, newest first (a few are enough): its own unsynced
        // writes may still carry one (see `recoverFromRunawayClock`).
        let previous = ([old.rawValue] + (try previousIDs()).map(\.rawValue)).prefix(16).joined(separator: ",")
        identityChanged = true
        let statement = try db.cachedStatement("UPDATE _replica SET replica_id = ?, previous_ids = ?")
        try statement.bind(replicaID.rawValue, at: 1)
        try statement.bind(previous, at: 2)
        try statement.run()
    }

    /// The ids this file wrote under before its current one, newest first.
    func previousIDs() throws -> [ReplicaID] {
        let statement = try db.cachedStatement("SELECT previous_ids FROM _replica")
        defer { statement.reset() }
        guard try statement.step() else { return [] }
        return (statement.string(0) ?? "").split(separator: ",").compactMap { try? ReplicaID(String($0)) }
    }

    /// Stores the cursor, with the workspace it belongs to when given.
    func setCursor(_ cursor: String, workspace: String? = nil) throws {
        let statement = try db.cachedStatement("UPDATE _replica SET cursor = ?, last_sync_at = ?, workspace = coalesce(?, workspace)")
        try statement.bind(cursor, at: 1)
        try statement.bind(wallClock.millis, at: 2)
        try statement.bind(workspace, at: 3)
        try statement.run()
    }

    /// Counted in SQL: `info()` runs on every pull, and decoding each entry only to count it is waste.
    func openConflictCount() throws -> Int {
        let statement = try db.cachedStatement("SELECT count(*) FROM _conflict WHERE resolved_at IS NULL")
        defer { statement.reset() }
        _ = try statement.step()
        return Int(statement.int64(0))
    }

    // MARK: conflict journal

    /// A conflict settled elsewhere, turned so that this replica's own write (if it made one) is `local`.
    func oriented(_ c: Conflict) -> Conflict {
        guard c.remote.stamp.replica == replicaID, c.local.stamp.replica != replicaID else { return c }
        return Conflict(entity: c.entity, id: c.id, field: c.field, kind: c.kind, local: c.remote, remote: c.local,
                        winner: c.winner == .local ? .remote : .local, reason: c.reason)
    }

    /// Journals a conflict unless the same pair of writes is already journaled (it can reach a
    /// replica both from its own merge and from the server's feed). Returns whether it was new.
    func journalIfNew(_ conflict: Conflict, at millis: Int64) throws -> Bool {
        // Two devices settling one conflict write the same resolution record: bookkeeping whose
        // later write simply wins, never a conflict to show a person.
        guard conflict.entity != ConflictResolution.schema.name else { return false }
        let statement = try db.cachedStatement("""
            SELECT 1 FROM _conflict WHERE entity = ? AND record_id = ? AND field = ?
            AND ((local_stamp = ? AND remote_stamp = ?) OR (local_stamp = ? AND remote_stamp = ?)) LIMIT 1
            """)
        let l = conflict.local.stamp.description, r = conflict.remote.stamp.description
        try statement.bind(conflict.entity, at: 1)
        try statement.bind(conflict.id, at: 2)
        try statement.bind(conflict.field, at: 3)
        try statement.bind(l, at: 4)
        try statement.bind(r, at: 5)
        try statement.bind(r, at: 6)
        try statement.bind(l, at: 7)
        let known = try statement.step()
        statement.reset()
        if known { return false }
        try journal(conflict, at: millis)
        // Settled elsewhere already (a new replica learning of an old conflict): journaled as settled.
        if let resolution = try resolution(of: conflict) {
            try markResolved(db.lastInsertRowID, resolution: resolution.outcome, at: Int64(resolution.resolvedAt.epochMillis))
        }
        return true
    }

    func journal(_ conflict: Conflict, at millis: Int64) throws {
        noOpenConflicts = false
        let statement = try db.cachedStatement("""
            INSERT INTO _conflict (entity, record_id, field, kind, local_value, local_stamp, remote_value, remote_stamp, winner, reason, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.bind(conflict.entity, at: 1)
        try statement.bind(conflict.id, at: 2)
        try statement.bind(conflict.field, at: 3)
        try statement.bind(conflict.kind.rawValue, at: 4)
        try statement.bind(Self.json(conflict.local), at: 5)
        try statement.bind(conflict.local.stamp.description, at: 6)
        try statement.bind(Self.json(conflict.remote), at: 7)
        try statement.bind(conflict.remote.stamp.description, at: 8)
        try statement.bind(conflict.winner.rawValue, at: 9)
        try statement.bind(conflict.reason.rawValue, at: 10)
        try statement.bind(millis, at: 11)
        try statement.run()
    }

    func journalEntries(includeResolved: Bool, seq: Int64? = nil) throws -> [JournalEntry] {
        var query = "SELECT seq, local_value, remote_value, entity, record_id, field, kind, winner, reason, detected_at, resolved_at, resolution FROM _conflict"
        var clauses: [String] = []
        if !includeResolved { clauses.append("resolved_at IS NULL") }
        if seq != nil { clauses.append("seq = ?") }
        if !clauses.isEmpty { query += " WHERE " + clauses.joined(separator: " AND ") }
        let statement = try db.cachedStatement(query + " ORDER BY seq")
        if let seq { try statement.bind(seq, at: 1) }
        defer { statement.reset() }
        var entries: [JournalEntry] = []
        while try statement.step() {
            let decoder = JSONDecoder()
            guard let local = try? decoder.decode(Stamped<FieldValue>.self, from: Data((statement.string(1) ?? "").utf8)),
                  let remote = try? decoder.decode(Stamped<FieldValue>.self, from: Data((statement.string(2) ?? "").utf8)),
                  let kind = Conflict.Kind(rawValue: statement.string(6) ?? ""),
                  let winner = Conflict.Side(rawValue: statement.string(7) ?? ""),
                  let reason = Conflict.Reason(rawValue: statement.string(8) ?? "")
            else {
                throw StoreError(code: .corruptDatabase, message: "conflict journal entry \(statement.int64(0)) is damaged")
            }
            let conflict = Conflict(entity: statement.string(3) ?? "", id: statement.string(4) ?? "", field: statement.string(5) ?? "",
                                    kind: kind, local: local, remote: remote, winner: winner, reason: reason)
            entries.append(JournalEntry(seq: statement.int64(0), conflict: conflict,
                                        detectedAt: Date(epochMillis: Double(statement.int64(9))),
                                        resolvedAt: statement.isNull(10) ? nil : Date(epochMillis: Double(statement.int64(10))),
                                        resolution: statement.string(11)))
        }
        return entries
    }

    /// Settles a journaled conflict: the chosen value becomes a new local write (even when it is
    /// already the current value), and a replicated `ConflictResolution` keyed by the two writes
    /// settles the entry on every replica. An entry whose field was written again since is
    /// superseded: the resolution is refused and nothing changes, so a stale entry cannot
    /// overwrite a later edit.
    func resolve(_ seq: Int64, choice: ConflictChoice) throws -> JournalEntry {
        try write {
            guard let entry = try journalEntries(includeResolved: true, seq: seq).first else {
                throw StoreError(code: .notFound, message: "no conflict #\(seq); `conflicts --all` lists them")
            }
            guard !entry.isResolved else {
                throw StoreError(code: .conflict, message: "conflict #\(seq) was already resolved (\(entry.resolution ?? "")); nothing was changed")
            }
            let conflict = entry.conflict
            guard let current = try loadVersion(conflict.entity, id: conflict.id) else {
                throw StoreError(code: .notFound, message: "the record of conflict #\(seq) is not on this replica")
            }
            if Self.isSuperseded(conflict, in: current) {
                throw StoreError(code: .conflict, message: """
                    conflict #\(seq) no longer applies: \(conflict.field) was changed again after it (\(Self.describe(current, conflict.field))); \
                    nothing was changed. Edit the field if you still want another value; that settles the conflict too
                    """)
            }
            let (value, label): (FieldValue, String) = switch choice {
            case .mine: (conflict.local.value, "took mine")
            case .theirs: (conflict.remote.value, "took theirs")
            case .value(let v): (v, "set value")
            }
            // Settled first, so the write below does not count as an unrelated later edit.
            try markResolved(seq, resolution: "\(label): \(value)")
            // Other replicas read this: say what was chosen, not whose it was ("mine" is relative).
            try recordResolution(conflict, outcome: "resolved on another replica: chose \(value)")
            if conflict.field == "deleted" {
                guard case .bool(let deleted) = value else {
                    throw StoreError(code: .invalidArgument, message: "the deleted flag takes true or false")
                }
                _ = try modify(conflict.entity, id: conflict.id) { version, stamp in
                    version.writeDeleted(deleted, stamp: stamp)
                    return true
                }
            } else {
                let table = try entitySQL(conflict.entity)
                try checkLocal([conflict.field: value], table.schema, requireAll: false)
                _ = try modify(conflict.entity, id: conflict.id) { version, stamp in
                    !version.write([conflict.field: value], stamp: stamp, evenIfUnchanged: true).isEmpty
                }
            }
            return try journalEntries(includeResolved: true, seq: seq)[0]
        }
    }

    private func markResolved(_ seq: Int64, resolution: String, at millis: Int64? = nil) throws {
        let statement = try db.cachedStatement("UPDATE _conflict SET resolved_at = ?, resolution = ? WHERE seq = ?")
        try statement.bind(millis ?? wallClock.millis, at: 1)
        try statement.bind(resolution, at: 2)
        try statement.bind(seq, at: 3)
        try statement.run()
    }

    /// The current write of a journaled field (`deleted` for the tombstone).
    static func currentWrite(_ version: RecordVersion, _ field: String) -> Stamped<FieldValue>? {
        field == "deleted" ? version.deleted.asFieldValue : version.fields[field]
    }

    /// Whether the conflict's field has since been written by a write that is neither side and is
    /// later than both: resolving it now would overwrite that write.
    static func isSuperseded(_ conflict: Conflict, in current: RecordVersion) -> Bool {
        guard let write = currentWrite(current, conflict.field) else { return false }
        return write.stamp != conflict.local.stamp && write.stamp != conflict.remote.stamp
            && write.stamp > max(conflict.local.stamp, conflict.remote.stamp)
    }

    static func describe(_ version: RecordVersion, _ field: String) -> String {
        guard let write = currentWrite(version, field) else { return "no value" }
        return "written at \(write.stamp.hlc.isoString) by replica \(write.stamp.replica)"
    }

    /// The replicated resolution of a conflict's pair of writes, if this replica has one.
    func resolution(of conflict: Conflict) throws -> ConflictResolution? {
        let id = ConflictResolution.key(entity: conflict.entity, recordID: conflict.id, field: conflict.field,
                                        conflict.local.stamp, conflict.remote.stamp).id
        guard let row = try rows(ConflictResolution.schema.name, includeDeleted: false, id: id).first else { return nil }
        return try ConflictResolution(id: row.id, fieldValues: row.values)
    }

    /// Writes (or rewrites) the replicated resolution of a conflict, in the current write.
    func recordResolution(_ conflict: Conflict, outcome: String) throws {
        let resolution = ConflictResolution(conflict: conflict, outcome: outcome, resolvedAt: Date(epochMillis: Double(wallClock.millis)))
        if try loadVersion(ConflictResolution.schema.name, id: resolution.id) == nil {
            try create(ConflictResolution.schema.name, id: resolution.id, values: resolution.fieldValues)
        } else {
            _ = try edit(ConflictResolution.schema.name, id: resolution.id) { _ in
                ["outcome": .string(outcome), "resolvedAt": .date(resolution.resolvedAt)]
            }
        }
    }

    /// Closes this replica's open entry for the pair of writes a received resolution settled.
    func closeEntries(resolvedBy resolution: ConflictResolution) throws {
        for entry in try openEntries(entity: resolution.entity, id: resolution.recordID)
        where entry.field == resolution.field && ConflictResolution.key(entity: resolution.entity, recordID: resolution.recordID, field: entry.field,
                                                                         entry.local, entry.remote).id == resolution.id {
            try markResolved(entry.seq, resolution: resolution.outcome, at: Int64(resolution.resolvedAt.epochMillis))
        }
    }

    private func openEntries(entity: String, id: String) throws -> [(seq: Int64, field: String, local: Stamp, remote: Stamp, conflict: Int64)] {
        let statement = try db.cachedStatement("""
            SELECT seq, field, local_stamp, remote_stamp FROM _conflict WHERE entity = ? AND record_id = ? AND resolved_at IS NULL
            """)
        try statement.bind(entity, at: 1)
        try statement.bind(id, at: 2)
        defer { statement.reset() }
        var entries: [(seq: Int64, field: String, local: Stamp, remote: Stamp, conflict: Int64)] = []
        while try statement.step() {
            guard let local = try? Stamp(statement.string(2) ?? ""), let remote = try? Stamp(statement.string(3) ?? "") else { continue }
            entries.append((statement.int64(0), statement.string(1) ?? "", local, remote, statement.int64(0)))
        }
        return entries
    }

    /// A local edit of a conflicted field was made with both values in view: it settles the
    /// conflict here, and the replicated resolution settles it on every other replica.
    func settleConflicts(editedBy version: RecordVersion, stamp: Stamp) throws {
        guard version.entity != ConflictResolution.schema.name, !noOpenConflicts else { return }
        guard try openConflictCount() > 0 else {
            noOpenConflicts = true
            return
        }
        for entry in try openEntries(entity: version.entity, id: version.id) {
            guard let write = Self.currentWrite(version, entry.field), write.stamp == stamp,
                  entry.local != stamp, entry.remote != stamp,
                  let conflict = try journalEntries(includeResolved: false, seq: entry.seq).first?.conflict
            else { continue }
            try markResolved(entry.seq, resolution: "settled by a later edit on this replica")
            try recordResolution(conflict, outcome: "settled by a later edit on another replica")
        }
    }

    static func json(_ stamped: Stamped<FieldValue>) -> String {
        String(decoding: (try? JSONEncoder().encode(stamped)) ?? Data(), as: UTF8.self)
    }
}

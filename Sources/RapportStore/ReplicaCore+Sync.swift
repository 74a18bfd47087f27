import Foundation
import RapportMerge

extension ReplicaCore {
    /// Why an incoming version cannot be merged, or nil when it can: unknown entity, fields that do
    /// not fit the schema, parts that contradict each other, or a stamp too far in the future.
    func problem(with version: RecordVersion, checkDrift: Bool) -> (reason: String, message: String)? {
        Self.problem(with: version, clock: clock, now: wallClock.millis, checkDrift: checkDrift)
    }

    /// The checks every receiver (replica or server) runs before merging a version.
    package static func problem(with version: RecordVersion, clock: HybridLogicalClock, now: Int64, checkDrift: Bool = true) -> (reason: String, message: String)? {
        guard let schema = Entities.byName[version.entity] else {
            return ("unknown_entity", "unknown entity '\(version.entity.prefix(64))'; known: \(Entities.all.map(\.name).joined(separator: ", "))")
        }
        guard !version.id.isEmpty, version.id.utf8.count <= maxIDBytes else { return ("invalid_value", "record ids are 1…\(maxIDBytes) bytes") }
        if let problem = schema.problem(with: version.fields) { return problem }
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
    func apply(_ versions: [RecordVersion], cursor: String?, serverConflicts: [Conflict] = []) throws -> ApplyReport {
        try write {
            var report = ApplyReport()
            var sawOwnUnknownWrites = false
            let detectedAt = wallClock.millis
            for conflict in serverConflicts where try journalIfNew(oriented(conflict), at: detectedAt) {
                report.conflicts += 1
            }
            for version in versions {
                if let problem = problem(with: version, checkDrift: cursor == nil) {
                    report.record(.rejected(reason: problem.reason, message: problem.message))
                    if cursor != nil {
                        try keepRejected(entity: version.entity, id: version.id, reason: "incoming_" + problem.reason, message: problem.message)
                    }
                    continue
                }
                clock.absorb(version.maxStamp.hlc, now: wallClock.millis)
                let local = try loadVersion(version.entity, id: version.id)
                if version.clock[replicaID] > (local?.clock[replicaID] ?? 0) { sawOwnUnknownWrites = true }
                guard let local else {
                    try storeVersion(version, replacing: true)
                    report.record(.inserted)
                    continue
                }
                let merged = merge(local, version)
                guard merged != local else {
                    report.record(.stale)
                    continue
                }
                let found = conflicts(between: local, and: version)
                for conflict in found { _ = try journalIfNew(conflict, at: detectedAt) }
                try storeVersion(merged, replacing: true)
                report.record(.updated(conflicts: found.count))
            }
            if sawOwnUnknownWrites {
                // Someone has seen writes of this replica id that this file lacks: it is a restored
                // backup or a copy. Writing on under the same id would reuse write numbers (dots)
                // and hide conflicts, so this file takes a fresh id from now on.
                try reidentify()
                report.reidentified = true
            }
            if let cursor { try setCursor(cursor) }
            return report
        }
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
        replicaID = ReplicaID.random()
        let statement = try db.cachedStatement("UPDATE _replica SET replica_id = ?")
        try statement.bind(replicaID.rawValue, at: 1)
        try statement.run()
    }

    func setCursor(_ cursor: String) throws {
        let statement = try db.cachedStatement("UPDATE _replica SET cursor = ?, last_sync_at = ?")
        try statement.bind(cursor, at: 1)
        try statement.bind(wallClock.millis, at: 2)
        try statement.run()
    }

    /// The oldest `limit` outbox entries with the current version of each record.
    func pendingChanges(limit: Int) throws -> [PendingChange] {
        try read {
            let statement = try db.cachedStatement("SELECT entity, id, change FROM _outbox ORDER BY change LIMIT ?")
            try statement.bind(Int64(max(0, limit)), at: 1)
            var tokens: [PendingChange.Token] = []
            while try statement.step() {
                tokens.append(PendingChange.Token(entity: statement.string(0) ?? "", id: statement.string(1) ?? "", change: statement.int64(2)))
            }
            statement.reset()
            return try tokens.compactMap { token in
                try loadVersion(token.entity, id: token.id).map { PendingChange(version: $0, token: token) }
            }
        }
    }

    /// Counted in SQL: `info()` runs on every pull, and decoding each entry only to count it is waste.
    func openConflictCount() throws -> Int {
        let statement = try db.cachedStatement("SELECT count(*) FROM _conflict WHERE resolved_at IS NULL")
        defer { statement.reset() }
        _ = try statement.step()
        return Int(statement.int64(0))
    }

    func pendingCount() throws -> Int {
        let statement = try db.cachedStatement("SELECT count(*) FROM _outbox")
        defer { statement.reset() }
        _ = try statement.step()
        return Int(statement.int64(0))
    }

    /// Clears outbox entries whose record has not been written since the token was read.
    @discardableResult
    func acknowledge(_ tokens: [PendingChange.Token]) throws -> Int {
        try write {
            let statement = try db.cachedStatement("DELETE FROM _outbox WHERE entity = ? AND id = ? AND change = ?")
            var cleared = 0
            for token in tokens {
                try statement.bind(token.entity, at: 1)
                try statement.bind(token.id, at: 2)
                try statement.bind(token.change, at: 3)
                try statement.run()
                cleared += db.changes
                // A statement stepped to the end must be reset before it can be bound again.
                statement.reset()
            }
            return cleared
        }
    }

    /// Queues every record for pushing again and forgets the cursor: what a client does when the
    /// server it syncs with was replaced (a new epoch), so nothing is silently missing on either side.
    func resetForFullResync() throws {
        try write {
            for schema in Entities.all {
                let statement = try db.prepare("SELECT id FROM \"\(schema.name)\"")
                var ids: [String] = []
                while try statement.step() { ids.append(statement.string(0) ?? "") }
                for id in ids { try enqueue(schema.name, id: id) }
            }
            try db.execute("UPDATE _replica SET cursor = ''")
        }
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
        return true
    }

    func journal(_ conflict: Conflict, at millis: Int64) throws {
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

    /// Settles a journaled conflict: the chosen value becomes a new local write (so it wins
    /// everywhere once synced) unless it is already the current value, and the entry is marked resolved.
    func resolve(_ seq: Int64, choice: ConflictChoice) throws -> JournalEntry {
        try write {
            guard let entry = try journalEntries(includeResolved: true, seq: seq).first else {
                throw StoreError(code: .notFound, message: "no conflict #\(seq); `conflicts --all` lists them")
            }
            guard !entry.isResolved else {
                throw StoreError(code: .conflict, message: "conflict #\(seq) was already resolved (\(entry.resolution ?? ""))")
            }
            let conflict = entry.conflict
            let (value, label): (FieldValue, String) = switch choice {
            case .mine: (conflict.local.value, "took mine")
            case .theirs: (conflict.remote.value, "took theirs")
            case .value(let v): (v, "set value")
            }
            if conflict.field == "deleted" {
                guard case .bool(let deleted) = value else {
                    throw StoreError(code: .invalidArgument, message: "the deleted flag takes true or false")
                }
                _ = try modify(conflict.entity, id: conflict.id) { version, stamp in
                    deleted ? version.delete(stamp: stamp) : version.restore(stamp: stamp)
                }
            } else {
                _ = try update(conflict.entity, id: conflict.id, values: [conflict.field: value])
            }
            let statement = try db.cachedStatement("UPDATE _conflict SET resolved_at = ?, resolution = ? WHERE seq = ?")
            try statement.bind(wallClock.millis, at: 1)
            try statement.bind("\(label): \(value)", at: 2)
            try statement.bind(seq, at: 3)
            try statement.run()
            return try journalEntries(includeResolved: true, seq: seq)[0]
        }
    }

    static func json(_ stamped: Stamped<FieldValue>) -> String {
        String(decoding: (try? JSONEncoder().encode(stamped)) ?? Data(), as: UTF8.self)
    }
}

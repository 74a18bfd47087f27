import Foundation
import RapportMerge

/// The outbox: one entry per record with local writes the server has not acknowledged.
///
/// `_outbox` is keyed by the change number alone, so queueing appends to the right edge of one
/// B-tree. A record finds its own entry through its row's `_pending` column, which a local write
/// rewrites anyway; a write therefore touches the entity table, its indexes and one outbox B-tree
/// (it used to touch two: an (entity, id) key and a change index).
///
/// `_pending` is a hint, not a flag: acknowledging deletes the entry but leaves the number in the
/// row (clearing it would cost a row write per acknowledged record). Change numbers are never
/// reused, so a stale number matches no entry, and every delete also checks entity and id.
extension ReplicaCore {
    /// The outbox statements a local write runs.
    struct OutboxSQL {
        let append = HotStatement("INSERT INTO _outbox (change, entity, id) VALUES (?, ?, ?)")
        let dequeue = HotStatement("DELETE FROM _outbox WHERE change = ? AND entity = ? AND id = ?")
    }

    /// Writes a local version of a record (new, or over the `stored` one) and queues it,
    /// superseding its older entry (`previous`, from `loadStored`), so that exactly one entry,
    /// the newest, waits per record.
    func storeLocal(_ version: RecordVersion, over stored: RecordVersion?, previous: Int64?, writes: [Stamped<FieldValue>?]? = nil) throws {
        if let previous { try dequeue(version.entity, id: version.id, change: previous) }
        changeCounter += 1
        let change = changeCounter
        try storeVersion(version, stored.map { .rewritten(over: $0, change: change) } ?? .created(change: change), writes: writes)
        try appendToOutbox(version.entity, id: version.id, change: change)
    }

    /// Queues a stored record again without rewriting it (a full resync re-queues everything).
    func requeue(_ entity: String, id: String, previous: Int64?) throws {
        if let previous { try dequeue(entity, id: id, change: previous) }
        changeCounter += 1
        try appendToOutbox(entity, id: id, change: changeCounter)
        let statement = try db.cachedStatement(try entitySQL(entity).setPending)
        try statement.bind(changeCounter, at: 1)
        try statement.bind(id, at: 2)
        try statement.run()
    }

    private func appendToOutbox(_ entity: String, id: String, change: Int64) throws {
        let statement = try outboxSQL.append.get(db)
        try statement.bind(change, at: 1)
        try statement.bind(entity, at: 2)
        try statement.bind(id, at: 3)
        try statement.run()
    }

    /// Deletes one entry if it is still there; returns whether it was.
    @discardableResult
    private func dequeue(_ entity: String, id: String, change: Int64) throws -> Bool {
        let statement = try outboxSQL.dequeue.get(db)
        try statement.bind(change, at: 1)
        try statement.bind(entity, at: 2)
        try statement.bind(id, at: 3)
        try statement.run()
        return db.changes > 0
    }

    /// The oldest `limit` outbox entries after change number `after`, with each record's current version.
    func pendingChanges(limit: Int, after: Int64 = 0) throws -> [PendingChange] {
        try read {
            let statement = try db.cachedStatement("SELECT entity, id, change FROM _outbox WHERE change > ? ORDER BY change LIMIT ?")
            try statement.bind(after, at: 1)
            try statement.bind(Int64(max(0, limit)), at: 2)
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

    func pendingCount() throws -> Int {
        let statement = try db.cachedStatement("SELECT count(*) FROM _outbox")
        defer { statement.reset() }
        _ = try statement.step()
        return Int(statement.int64(0))
    }

    /// Clears outbox entries whose record has not been written since the token was read: a
    /// write since then replaced the entry with a newer number, which the token does not name.
    @discardableResult
    func acknowledge(_ tokens: [PendingChange.Token], serverTime: Int64? = nil, workspace: String? = nil) throws -> Int {
        defer { if !tokens.isEmpty { rememberIdentity() } }
        return try write {
            try noteServerTime(serverTime)
            if let workspace, !tokens.isEmpty {
                // Records that reached a workspace bind the replica to it, even before its first pull.
                let bind = try db.cachedStatement("UPDATE _replica SET workspace = coalesce(workspace, ?)")
                try bind.bind(workspace, at: 1)
                try bind.run()
            }
            var cleared = 0
            for token in tokens where try dequeue(token.entity, id: token.id, change: token.change) {
                cleared += 1
            }
            return cleared
        }
    }

    /// Queues every record for pushing again and forgets the cursor: what a client does when the
    /// server it syncs with was replaced (a new epoch), so nothing is silently missing on either side.
    func resetForFullResync() throws {
        try write {
            for schema in schema.entities {
                let statement = try db.prepare("SELECT id, _pending FROM \"\(schema.name)\"")
                var rows: [(id: String, pending: Int64?)] = []
                while try statement.step() { rows.append((statement.string(0) ?? "", statement.isNull(1) ? nil : statement.int64(1))) }
                for row in rows { try requeue(schema.name, id: row.id, previous: row.pending) }
            }
            try db.execute("UPDATE _replica SET cursor = '', pushed_cursor = NULL")
        }
    }

    /// Writes the push check (see `Store.pushCheck()`); nil clears it. Call inside `write`.
    func savePushCheck(_ cursor: String?) throws {
        let statement = try db.cachedStatement("UPDATE _replica SET pushed_cursor = ?")
        try statement.bind(cursor, at: 1)
        try statement.run()
    }
}

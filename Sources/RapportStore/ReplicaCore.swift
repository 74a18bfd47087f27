import Foundation
import RapportMerge

/// The store's engine: one connection, the replica's identity and clock, and every read and write
/// of replicated rows. Not thread-safe; `Store` serializes access to it.
///
/// Every write runs inside `write { }`, which takes SQLite's write lock, reloads the clock and
/// change counter (another process may have written since), and saves them in the same
/// transaction as the rows and the outbox (durability invariant 1).
package final class ReplicaCore {
    let db: Database
    let wallClock: WallClock
    package internal(set) var replicaID: ReplicaID
    package internal(set) var clock: HybridLogicalClock
    var changeCounter: Int64 = 0
    /// The server's wall time when this replica last heard from it (HTTP `Date`), if ever.
    var serverTime: Int64?
    /// The greatest reading this replica can vouch for: every stamp it received, and its own
    /// readings that stayed within the drift bound of what it knew (the server's time, or this).
    /// A clock pinned in the future by a wrong device clock restarts from here (see
    /// `recoverFromRunawayClock`), so re-stamped writes still come after everything they saw.
    var saneLatest = HLCTimestamp.zero
    var codec = VersionCodec()
    private var inWrite = false
    /// Set when the replica id changed in the current write; the device marker follows after commit.
    var identityChanged = false
    private var sql: [String: EntitySQL] = [:]
    let outboxSQL = OutboxSQL()
    /// Set once the current write transaction found no open conflict: until it journals one,
    /// local edits need not look for conflicts to settle (one query per batch, not per edit).
    var noOpenConflicts = false

    /// The entities this build replicates (see `ReplicaSchema`).
    let schema: ReplicaSchema

    let identity: DeviceIdentity
    /// The marker this object last saved.
    private var lastRemembered: DeviceIdentity.Marker?
    let canonicalPath: String

    package init(path: String, create: Bool, name: String?, wallClock: WallClock, identity: DeviceIdentity = .none,
                 schema: ReplicaSchema = .builtIn) throws {
        let db = try Database(path: path, create: create)
        try Migrator(applicationID: StoreMigrations.applicationID, migrations: StoreMigrations.all).prepare(db)
        do { try Self.refuseNewerFile(db, schema: schema) } catch {
            db.close()
            throw error
        }
        self.db = db
        self.schema = schema
        self.wallClock = wallClock
        // An in-memory database is never restored or copied: nothing to remember.
        self.identity = path == ":memory:" || path.isEmpty ? .none : identity
        self.canonicalPath = DeviceIdentity.canonical(path)
        self.replicaID = ReplicaID.random()
        self.clock = HybridLogicalClock()
        for entity in schema.entities { sql[entity.name] = EntitySQL(entity) }
        try db.inTransaction(.immediate) {
            if try !loadState() {
                let statement = try db.prepare("""
                    INSERT INTO _replica (singleton, replica_id, name, created_at, hlc_wall, hlc_counter, change_counter, max_drift_ms)
                    VALUES (1, ?, ?, ?, 0, 0, 0, ?)
                    """)
                try statement.bind(replicaID.rawValue, at: 1)
                try statement.bind(name ?? "replica", at: 2)
                try statement.bind(wallClock.millis, at: 3)
                try statement.bind(HybridLogicalClock.defaultMaxDriftMillis, at: 4)
                try statement.run()
            }
        }
        try checkIdentity(created: create)
    }

    /// Takes a fresh replica id if this file is not the one the device remembers at this path:
    /// restored from an older backup (its clock is behind what already left the device) or copied
    /// from elsewhere (another id, or no marker at all). See `DeviceIdentity`.
    private func checkIdentity(created: Bool) throws {
        let marker = identity.load(canonicalPath)
        let isCopy: Bool
        if let marker {
            isCopy = marker.replicaID != replicaID || clock.latest < marker.clock
        } else {
            isCopy = !created && clock.latest > .zero
        }
        if isCopy {
            try db.inTransaction(.immediate) {
                try loadState()
                try reidentify()
            }
        }
        if isCopy || marker == nil { rememberIdentity() }
    }

    /// Tells the device marker how far this replica's writes have got; called when they leave the device.
    /// A push acknowledges in many batches without moving the clock: the marker file is written
    /// only when it would say something new.
    func rememberIdentity() {
        let marker = DeviceIdentity.Marker(path: canonicalPath, replicaID: replicaID, clock: clock.latest)
        guard marker != lastRemembered else { return }
        identity.save(marker)
        lastRemembered = marker
    }

    deinit { db.close() }

    /// Reads identity, clock and change counter; false when the replica row does not exist yet.
    @discardableResult
    func loadState() throws -> Bool {
        let statement = try db.cachedStatement("""
            SELECT replica_id, hlc_wall, hlc_counter, change_counter, max_drift_ms, server_time, sane_wall, sane_counter FROM _replica
            """)
        guard try statement.step() else { return false }
        replicaID = try ReplicaID(statement.string(0) ?? "")
        clock = HybridLogicalClock(latest: HLCTimestamp(wallMillis: statement.int64(1), counter: UInt32(truncatingIfNeeded: statement.int64(2))),
                                   maxDriftMillis: statement.int64(4))
        changeCounter = statement.int64(3)
        serverTime = statement.isNull(5) ? nil : statement.int64(5)
        saneLatest = HLCTimestamp(wallMillis: statement.int64(6), counter: UInt32(truncatingIfNeeded: statement.int64(7)))
        statement.reset()
        return true
    }

    private func saveState() throws {
        let statement = try db.cachedStatement("""
            UPDATE _replica SET hlc_wall = ?, hlc_counter = ?, change_counter = ?, sane_wall = ?, sane_counter = ?
            """)
        try statement.bind(clock.latest.wallMillis, at: 1)
        try statement.bind(Int64(clock.latest.counter), at: 2)
        try statement.bind(changeCounter, at: 3)
        try statement.bind(saneLatest.wallMillis, at: 4)
        try statement.bind(Int64(saneLatest.counter), at: 5)
        try statement.run()
    }

    /// Runs `body` in one immediate transaction with fresh replica state, saved at the end.
    /// Nested calls join the outer transaction.
    func write<T>(_ body: () throws -> T) throws -> T {
        if inWrite { return try body() }
        inWrite = true
        defer { inWrite = false }
        do {
            noOpenConflicts = false
            let result = try db.inTransaction(.immediate) {
                try loadState()
                try recoverFromRunawayClock()
                let result = try body()
                try saveState()
                return result
            }
            if identityChanged {
                identityChanged = false
                rememberIdentity()
            }
            return result
        } catch {
            // The in-memory clock may have advanced inside the rolled-back transaction; that is
            // harmless (it only moves forward) but reload so memory matches the file.
            _ = try? loadState()
            identityChanged = false
            throw error
        }
    }

    func read<T>(_ body: () throws -> T) throws -> T {
        if inWrite { return try body() }
        return try db.inTransaction(.deferred, body)
    }

    /// A fresh stamp for a local write.
    func nextStamp() -> Stamp {
        let reading = clock.tick(now: wallClock.millis)
        if reading.wallMillis <= max(saneLatest.wallMillis, serverTime ?? .min) + clock.maxDriftMillis {
            saneLatest = max(saneLatest, reading)
        }
        return Stamp(hlc: reading, replica: replicaID)
    }

    func entitySQL(_ entity: String) throws -> EntitySQL {
        guard let found = sql[entity] else {
            throw StoreError(code: .invalidArgument, message: "unknown entity '\(entity.prefix(64))'; known: \(schema.entities.map(\.name).joined(separator: ", "))")
        }
        return found
    }

    // MARK: rows

    /// The stored version of a record, or nil if the replica has never heard of it.
    func loadVersion(_ entity: String, id: String) throws -> RecordVersion? {
        try loadStored(entity, id: id)?.version
    }

    /// The stored version of a record and its `_pending` change number (see `ReplicaCore+Outbox`).
    func loadStored(_ entity: String, id: String) throws -> (version: RecordVersion, pending: Int64?)? {
        let table = try entitySQL(entity)
        let statement = try table.selectVersion.get(db)
        try statement.bind(id, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let values = table.readValues(statement, from: 0)
        let blobIndex = Int32(table.schema.fields.count)
        var version = try statement.withBlob(blobIndex) { bytes in
            try codec.decode(bytes, entity: entity, id: id, schema: table.schema, values: values)
        }
        let pending = statement.isNull(blobIndex + 1) ? nil : statement.int64(blobIndex + 1)
        statement.reset()
        // Fields a newer app wrote that this schema lacks (or only just gained) live beside the row.
        for (field, write) in try extraFields(entity, id: id) where version.fields[field] == nil {
            version.fields[field] = write
        }
        return (version, pending)
    }

    /// How a row is written: which statement, and what becomes of its `_pending` number.
    enum RowWrite {
        /// A merge: a new row without an outbox entry, or over `stored`, keeping the entry it has.
        case merged(over: RecordVersion?)
        /// A local write of a new record, queued as `change`.
        case created(change: Int64)
        /// A local write over `stored`, queued as `change`.
        case rewritten(over: RecordVersion, change: Int64)
    }

    /// Writes a version's row; `_seq` is `change` for a local write, a fresh number for a merge.
    /// A stored row gets only the columns whose value changed (see `EntitySQL.UpdateShape`).
    /// `writes` are the version's field writes in schema order, when the caller has them at hand.
    func storeVersion(_ version: RecordVersion, _ write: RowWrite, writes known: [Stamped<FieldValue>?]? = nil) throws {
        let table = try entitySQL(version.entity)
        let statement: Statement, seq: Int64, pending: Int64?
        switch write {
        case .merged(over: nil):
            statement = try table.insertMerged.get(db)
            changeCounter += 1
            (seq, pending) = (changeCounter, nil)
        case .merged(over: let stored?):
            statement = try table.update(table.shape(from: stored, to: version, pending: false)).get(db)
            changeCounter += 1
            (seq, pending) = (changeCounter, nil)
        case .created(let change):
            statement = try table.insert.get(db)
            (seq, pending) = (change, change)
        case .rewritten(let stored, let change):
            statement = try table.update(table.shape(from: stored, to: version, pending: true)).get(db)
            (seq, pending) = (change, change)
        }
        try statement.bind(version.id, at: 1)
        let writes = known ?? VersionCodec.writes(of: version, schema: table.schema)
        for (position, write) in writes.enumerated() {
            try statement.bind(field: write?.value ?? .null, at: Int32(position + 2))
        }
        try statement.bind(version.deleted.value, at: table.deletedParameter)
        try codec.withEncoded(version, writes: writes) { try statement.bind(bytes: $0, at: table.versionParameter) }
        try statement.bind(seq, at: table.seqParameter)
        if let pending { try statement.bind(pending, at: table.pendingParameter) }
        do { try statement.run() } catch let error as StoreError where error.code == .constraint {
            guard case .created = write else { throw error }
            throw StoreError(code: .conflict, message: "\(version.entity) \(version.id) already exists; use update to change it")
        }
        switch write {
        case .merged(over: nil), .created: break
        default:
            guard db.changes == 1 else {
                throw StoreError(code: .corruptDatabase, message: "\(version.entity) \(version.id) vanished while it was being written; nothing was changed")
            }
        }
        // More fields than the schema's writes: the version carries fields a newer app wrote.
        if version.fields.count > writes.reduce(0, { $1 == nil ? $0 : $0 + 1 }) {
            try keepExtraFields(of: version, schema: table.schema)
        }
    }

    // MARK: local writes

    /// The longest record id, in UTF-8 bytes, that replicas accept.
    static let maxIDBytes = 256

    func create(_ entity: String, id: String, values: [String: FieldValue]) throws {
        let table = try entitySQL(entity)
        // The same limits every receiver applies (`problem(with:)`): a record they would refuse
        // must not be created, or it would sit in the outbox for ever.
        guard !id.isEmpty, id.utf8.count <= Self.maxIDBytes else {
            throw StoreError(code: .invalidArgument, message: "\(entity) ids must be 1 to \(Self.maxIDBytes) bytes long")
        }
        let ordered = try checkedForCreate(values, table.schema)
        // An optional field the caller left out (one added after the typed model was written)
        // is written as null, so a new version carries every field its schema has.
        var values = values
        if ordered.count != values.count {
            for (field, value) in zip(table.schema.fields, ordered) where values[field.name] == nil { values[field.name] = value }
        }
        try write {
            let version = RecordVersion.create(entity: entity, id: id, fields: values, stamp: nextStamp())
            let writes: [Stamped<FieldValue>?] = ordered.map { Stamped($0, stamp: version.deleted.stamp, dot: version.deleted.dot) }
            try storeLocal(version, over: nil, previous: nil, writes: writes)
        }
    }

    /// A new record's values in schema order, checked like `checkLocal(requireAll: true)` but
    /// with one dictionary lookup per field; anything unusual takes `checkLocal` for its message.
    private func checkedForCreate(_ values: [String: FieldValue], _ schema: EntitySchema) throws -> [FieldValue] {
        if values.count == schema.fields.count {
            var ordered: [FieldValue] = []
            ordered.reserveCapacity(values.count)
            for field in schema.fields {
                guard let value = values[field.name] else { break }
                ordered.append(value)
            }
            // Every field present and no more values than fields: no unknown name either.
            if ordered.count == schema.fields.count {
                for (field, value) in zip(schema.fields, ordered) where !field.kind.accepts(value) {
                    throw StoreError(code: .invalidArgument, message: "\(schema.name).\(field.name) must be \(field.kind.expectation)")
                }
                return ordered
            }
        }
        try checkLocal(values, schema, requireAll: true)
        return schema.fields.map { values[$0.name] ?? .null }
    }

    /// Applies `change` to the stored version of a record; returns whether anything changed.
    ///
    /// The stamp is taken after the clock has absorbed the record's own stamps, so an edit always
    /// wins over every write the person could see, even right after the clock was reset.
    func modify(_ entity: String, id: String, _ change: (inout RecordVersion, Stamp) throws -> Bool) throws -> Bool {
        try write {
            guard let (stored, previous) = try loadStored(entity, id: id) else {
                throw StoreError(code: .notFound, message: "no \(entity) with id \(id); list them to see the ids")
            }
            var version = stored
            clock.observe(version.maxStamp.hlc)
            let stamp = nextStamp()
            guard try change(&version, stamp) else { return false }
            try storeLocal(version, over: stored, previous: previous)
            try settleConflicts(editedBy: version, stamp: stamp)
            return true
        }
    }

    /// Writes `values` over the stored fields; only fields whose value differs get a new stamp.
    func update(_ entity: String, id: String, values: [String: FieldValue]) throws -> [String] {
        try edit(entity, id: id) { _ in values }
    }

    /// Read-modify-write of one record in one write transaction: `body` gets the stored values and
    /// returns the fields to write. Only the fields it returns with a new value are written, so a
    /// sync that changed another field in the meantime is never reverted.
    func edit(_ entity: String, id: String, _ body: ([String: FieldValue]) throws -> [String: FieldValue]) throws -> [String] {
        let table = try entitySQL(entity)
        var changed: [String] = []
        _ = try modify(entity, id: id) { version, stamp in
            // A field a version lacks (added after the build that wrote it) reads as null: writing
            // null to it is no change, and writing it would overwrite a concurrent value from a newer build.
            let values = try body(version.values).filter { $0.value != .null || version.fields[$0.key] != nil }
            try checkLocal(values, table.schema, requireAll: false)
            changed = version.write(values, stamp: stamp)
            return !changed.isEmpty
        }
        return changed
    }

    /// Writes what a person changed on a screen that showed `base`: the fields where `edited`
    /// differs from `base`. A changed field that moved since `base` (a sync landed while the screen
    /// was open) still takes the person's value, and the value it overwrote is journaled as a
    /// conflict, so nothing is reverted silently.
    func update(_ entity: String, id: String, edited: [String: FieldValue], base: [String: FieldValue]) throws -> [String] {
        let table = try entitySQL(entity)
        let intended = edited.filter { base[$0.key] != $0.value }
        try checkLocal(intended, table.schema, requireAll: false)
        var changed: [String] = []
        _ = try modify(entity, id: id) { version, stamp in
            let before = version
            changed = version.write(intended, stamp: stamp)
            for name in changed {
                guard let moved = before.fields[name], moved.value != base[name] else { continue }
                let mine = version.fields[name]!
                try journal(Conflict(entity: entity, id: id, field: name, kind: .field, local: mine, remote: moved,
                                     winner: .local, reason: .laterStamp), at: wallClock.millis)
            }
            return !changed.isEmpty
        }
        return changed
    }

    func checkLocal(_ values: [String: FieldValue], _ schema: EntitySchema, requireAll: Bool) throws {
        for (name, value) in values {
            guard let position = schema.index[name] else {
                throw StoreError(code: .invalidArgument, message: "\(schema.name) has no field '\(name)'")
            }
            guard schema.fields[position].kind.accepts(value) else {
                throw StoreError(code: .invalidArgument, message: "\(schema.name).\(name) must be \(schema.fields[position].kind.expectation)")
            }
        }
        // Every name is a known field, so as many values as fields means none is missing.
        if requireAll, values.count != schema.fields.count, let missing = schema.fields.first(where: { $0.required && values[$0.name] == nil }) {
            throw StoreError(code: .invalidArgument, message: "\(schema.name).\(missing.name) is required")
        }
    }

    // MARK: reads of plain values

    /// Rows of one entity as (id, values, deleted), optionally filtered by one field's value.
    func rows(_ entity: String, includeDeleted: Bool, whereField: String? = nil, equals: FieldValue? = nil, id: String? = nil) throws -> [(id: String, values: [String: FieldValue], deleted: Bool)] {
        let table = try entitySQL(entity)
        var clauses: [String] = []
        if !includeDeleted { clauses.append("_deleted = 0") }
        if let whereField {
            guard table.schema.index[whereField] != nil else {
                throw StoreError(code: .invalidArgument, message: "\(entity) has no field '\(whereField)'")
            }
            // `IS` so that `.null` matches null fields, which `=` never does.
            clauses.append("\"\(whereField)\" IS ?")
        }
        if id != nil { clauses.append("id = ?") }
        let query = table.selectRows + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY id"
        let statement = try db.cachedStatement(query)
        var index: Int32 = 1
        if let equals {
            try statement.bind(field: equals, at: index)
            index += 1
        }
        if let id { try statement.bind(id, at: index) }
        defer { statement.reset() }
        var result: [(id: String, values: [String: FieldValue], deleted: Bool)] = []
        while try statement.step() {
            let values = table.readValues(statement, from: 1)
            var dictionary: [String: FieldValue] = [:]
            for (position, field) in table.schema.fields.enumerated() { dictionary[field.name] = values[position] }
            result.append((statement.string(0) ?? "", dictionary, statement.int64(Int32(table.schema.fields.count + 1)) != 0))
        }
        return result
    }
}

@available(*, unavailable)
extension ReplicaCore: Sendable {}

extension Statement {
    func bind(field value: FieldValue, at index: Int32) throws {
        switch value {
        case .null: try bindNull(at: index)
        case .bool(let b): try bind(b, at: index)
        case .number(let n): try bind(n, at: index)
        case .string(let s): try bind(s, at: index)
        }
    }
}

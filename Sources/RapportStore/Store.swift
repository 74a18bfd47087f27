import Foundation
import RapportMerge
import RapportModel

/// A Rapport replica: one SQLite file holding customer accounts and everything needed to sync them.
///
/// Thread-safe: calls are serialized on one connection. Every write is one transaction that
/// updates the row, its version metadata and the outbox together, so a crash at any instant leaves
/// either all or nothing of it. Open with `create(at:)` for a new replica or `open(at:)` for an
/// existing one; both refuse files that are not Rapport replicas without modifying them.
public final class Store: @unchecked Sendable {
    // The lock is the only way to `core`; that is what makes the unchecked Sendable sound.
    // Recursive, so an observed query (`observe`) can hold it across the store calls it makes.
    private let lock = NSRecursiveLock()
    private let core: ReplicaCore
    public let path: String
    /// Where `perform` runs blocking calls made from async code.
    let queue = BlockingQueue(label: "rapport.store")
    /// Who to tell about commits (`observe`).
    let observers = ObservationCenter()

    private init(path: String, create: Bool, name: String?, wallClock: WallClock, identity: DeviceIdentity, schema: ReplicaSchema) throws {
        self.path = path
        self.schema = schema
        self.core = try ReplicaCore(path: path, create: create, name: name, wallClock: wallClock, identity: identity, schema: schema)
        core.db.tracker.onCommit = { [observers] tables in observers.didCommit(tables) }
        // Tables and columns of fields this build added, filled from what an older build kept;
        // versions pulled earlier that an older build could not read are merged once this one can.
        try core.upgradeToSchema()
    }

    /// The entities this store replicates, as it was opened with.
    public let schema: ReplicaSchema

    /// Creates a new replica at `path` with a fresh random replica id; refuses an existing file.
    ///
    /// `identity` is the device-only memory that lets a restored or copied file notice it is one
    /// (see `DeviceIdentity`); pass `.none` only where files are never restored or copied.
    ///
    /// `schema` is what this build of the app replicates (see `ReplicaSchema`); every open of the
    /// file must pass it (an app passes the same one each time, and a later one after an upgrade).
    public static func create(at path: String, name: String? = nil, wallClock: WallClock = .system,
                              identity: DeviceIdentity = .standard, schema: ReplicaSchema = .builtIn) throws -> Store {
        if FileManager.default.fileExists(atPath: path) {
            throw StoreError(code: .conflict, message: "\(path) already exists; open it instead, or choose another path")
        }
        return try Store(path: path, create: true, name: name, wallClock: wallClock, identity: identity, schema: schema)
    }

    /// Opens an existing replica at `path`. A file restored from an older backup, or copied from
    /// another device, takes a fresh replica id before its first write (see `DeviceIdentity`).
    ///
    /// A `schema` with fields or entities the file lacks upgrades it in one transaction: it gains
    /// their columns and tables, and the values an older build kept for them become readable. A
    /// file that a newer schema already upgraded is refused (`.conflict`), unmodified.
    public static func open(at path: String, wallClock: WallClock = .system, identity: DeviceIdentity = .standard,
                            schema: ReplicaSchema = .builtIn) throws -> Store {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw StoreError(code: .notARapportDatabase, message: "\(path) is an empty file, not a Rapport replica; create one with `rapport init`. The file was not modified")
        }
        return try Store(path: path, create: false, name: nil, wallClock: wallClock, identity: identity, schema: schema)
    }

    func withCore<T>(_ body: (ReplicaCore) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(core)
    }

    /// Identity and sync state of this replica.
    public func info() throws -> ReplicaInfo {
        try withCore { core in
            try core.read {
                try core.loadState()
                let statement = try core.db.cachedStatement("SELECT name, created_at, cursor, last_sync_at, workspace FROM _replica")
                defer { statement.reset() }
                _ = try statement.step()
                return ReplicaInfo(
                    replicaID: core.replicaID, name: statement.string(0) ?? "", createdAt: Date(epochMillis: Double(statement.int64(1))),
                    cursor: statement.string(2) ?? "", lastSyncAt: statement.isNull(3) ? nil : Date(epochMillis: Double(statement.int64(3))),
                    pendingChanges: try core.pendingCount(), openConflicts: try core.openConflictCount(),
                    clock: core.clock.latest, workspace: statement.string(4),
                    serverTime: core.serverTime.map { Date(epochMillis: Double($0)) },
                    unreadable: try core.unreadableCount())
            }
        }
    }

    /// Runs several writes in one transaction: all of them happen, or none.
    public func batch<T>(_ body: (Batch) throws -> T) throws -> T {
        try withCore { core in try core.write { try body(Batch(core: core)) } }
    }

    /// The typed repository of one entity.
    public func repository<Entity: StoredEntity>(_ type: Entity.Type) -> Repository<Entity> { Repository(store: self) }

    public var accounts: Repository<Account> { repository(Account.self) }
    public var stakeholders: Repository<Stakeholder> { repository(Stakeholder.self) }
    public var assessments: Repository<Assessment> { repository(Assessment.self) }
    public var crises: Repository<CrisisEvent> { repository(CrisisEvent.self) }
    public var objectives: Repository<Objective> { repository(Objective.self) }
    public var measurements: Repository<RapportModel.Measurement> { repository(RapportModel.Measurement.self) }
    public var weightSets: Repository<WeightSet> { repository(WeightSet.self) }

    // MARK: sync surface

    /// Local changes not yet acknowledged by a server, oldest first, with their current versions.
    ///
    /// `after` pages past entries already tried in this sync (`PendingChange.Token.change`), so
    /// entries a server keeps refusing for now never hide the ones queued behind them.
    public func pendingChanges(limit: Int = 500, after: Int64 = 0) throws -> [PendingChange] {
        try withCore { try $0.pendingChanges(limit: limit, after: after) }
    }

    /// Clears the outbox entries of these exact versions; a record written since stays queued.
    /// `serverTime` is the server's wall time from its answer (HTTP `Date`), if known.
    ///
    /// With `pushCheck`, the push check (`pushCheck()`) is set in the same transaction, so a kill
    /// can never leave entries acknowledged without the position that vouches for them.
    @discardableResult
    public func acknowledge(_ tokens: [PendingChange.Token], serverTime: Date? = nil, workspace: String? = nil,
                            pushCheck: String? = nil) throws -> Int {
        try withCore { core in
            try core.write {
                let count = try core.acknowledge(tokens, serverTime: serverTime.map { Int64($0.epochMillis) }, workspace: workspace)
                if let pushCheck { try core.savePushCheck(pushCheck) }
                return count
            }
        }
    }

    /// Merges remote versions, journals conflicts (those found here and those a server settled,
    /// `serverConflicts`) and stores `cursor`, in one transaction. Versions of a pulled page
    /// (`cursor` given) that this build cannot read are kept and merged after an upgrade.
    public func apply(_ versions: [RecordVersion], cursor: String? = nil, workspace: String? = nil, serverConflicts: [Conflict] = [],
                      serverTime: Date? = nil) throws -> ApplyReport {
        try withCore {
            try $0.apply(versions, cursor: cursor, workspace: workspace, serverConflicts: serverConflicts,
                         serverTime: serverTime.map { Int64($0.epochMillis) })
        }
    }

    /// Checks that the pull cursor belongs to `workspace` before a sync with it.
    ///
    /// The first applied page binds it (`apply(_:cursor:workspace:)`, with the cursor). Another workspace is refused (its cursor would skip changes, and
    /// this replica's records would leak into it) unless `switching`, which starts over: every
    /// local record is queued for the new workspace and the cursor restarts from the beginning.
    public func bindWorkspace(_ workspace: String, switching: Bool = false) throws {
        try withCore { core in
            try core.write {
                let statement = try core.db.cachedStatement("SELECT workspace FROM _replica")
                _ = try statement.step()
                let bound = statement.string(0)
                statement.reset()
                if bound == workspace { return }
                if bound == nil {
                    // Never bound: a fresh replica binds on its first acknowledged push or applied
                    // page. One that synced before bindings existed has a cursor of unknown
                    // workspace: it pulls this one from the start, which merging makes harmless.
                    let cursor = try core.db.cachedStatement("SELECT cursor FROM _replica")
                    _ = try cursor.step()
                    let hasCursor = !(cursor.string(0) ?? "").isEmpty
                    cursor.reset()
                    if hasCursor { try core.db.execute("UPDATE _replica SET cursor = ''") }
                    return
                }
                if !switching {
                    throw StoreError(code: .conflict, message: """
                        this replica syncs with workspace '\(bound ?? "")', not '\(workspace.prefix(64))': its cursor and records belong there. \
                        Create a new replica for '\(workspace.prefix(64))' (rapport init), or move this one with --switch-workspace, \
                        which pushes all its records to '\(workspace.prefix(64))'
                        """)
                }
                try core.resetForFullResync()
                let update = try core.db.cachedStatement("UPDATE _replica SET workspace = ?")
                try update.bind(workspace, at: 1)
                try update.run()
            }
        }
    }

    /// The server's feed position after this replica's last acknowledged push, while a pull has
    /// not yet passed it: a sync cut between its push and its pull left it, and the next pull
    /// checks that the server still has that history (a server restored from an older copy may
    /// have lost the push, which must then be sent again).
    public func pushCheck() throws -> String? {
        try withCore { core in
            try core.read {
                let statement = try core.db.cachedStatement("SELECT pushed_cursor FROM _replica")
                defer { statement.reset() }
                _ = try statement.step()
                return statement.string(0)
            }
        }
    }

    /// Sets (or, with nil, clears) the push check; see `pushCheck()`.
    public func setPushCheck(_ cursor: String?) throws {
        try withCore { core in try core.write { try core.savePushCheck(cursor) } }
    }

    /// Unpins a clock that a write under a wrong device clock pushed far into the future: this
    /// replica takes a fresh id and re-stamps its unsynced future writes (see the README's merge
    /// rules). Returns whether it did; a sync calls it before pushing.
    @discardableResult
    public func recoverClockIfNeeded() throws -> Bool {
        try withCore { core in
            guard try core.read({ try core.loadState(); return core.clockRanAway }) else { return false }
            try core.write {}
            return true
        }
    }

    /// Queues every record to be pushed again and clears the cursor (the server was replaced).
    public func resetForFullResync() throws {
        try withCore { try $0.resetForFullResync() }
    }

    /// The replicated version of one record, tombstones included.
    public func version(entity: String, id: String) throws -> RecordVersion? {
        try withCore { core in try core.read { try core.loadVersion(entity, id: id) } }
    }

    /// Every version of every record (or of one entity), tombstones included, ordered by entity and id.
    public func allVersions(entity: String? = nil) throws -> [RecordVersion] {
        try withCore { core in
            try core.read {
                try (entity.map { [try core.entitySQL($0).schema] } ?? core.schema.entities).flatMap { schema in
                    try core.rows(schema.name, includeDeleted: true).compactMap { try core.loadVersion(schema.name, id: $0.id) }
                }
            }
        }
    }

    /// The conflict journal, oldest first; only open entries unless `includeResolved`.
    public func conflicts(includeResolved: Bool = false) throws -> [JournalEntry] {
        try withCore { try $0.journalEntries(includeResolved: includeResolved) }
    }

    /// Settles a journaled conflict with a new local write of the chosen value.
    @discardableResult
    public func resolveConflict(_ seq: Int64, choice: ConflictChoice) throws -> JournalEntry {
        try withCore { try $0.resolve(seq, choice: choice) }
    }
}

/// Writes inside one `Store.batch` transaction. Valid only inside the batch closure.
public struct Batch {
    let core: ReplicaCore

    public func create<Entity: StoredEntity>(_ entity: Entity) throws {
        try core.create(Entity.schema.name, id: entity.id, values: entity.fieldValues)
    }

    /// Read-modify-write of one record; see `Repository.update(id:_:)`.
    @discardableResult
    public func update<Entity: StoredEntity>(id: String, _ change: (inout Entity) throws -> Void) throws -> [String] {
        try core.edit(Entity.schema.name, id: id) { stored in
            var entity = try Entity(id: id, fieldValues: stored)
            try change(&entity)
            return entity.fieldValues
        }
    }

    /// Writes what changed between `base` and `edited`; see `Repository.update(_:from:)`.
    @discardableResult
    public func update<Entity: StoredEntity>(_ edited: Entity, from base: Entity) throws -> [String] {
        try core.update(Entity.schema.name, id: edited.id, edited: edited.fieldValues, base: base.fieldValues)
    }

    /// Writes every field of `entity` that differs from the stored record.
    @available(*, deprecated, message: "reverts fields synced since `entity` was read; use update(id:_:) or update(_:from:)")
    @discardableResult
    public func update<Entity: StoredEntity>(_ entity: Entity) throws -> [String] {
        try core.update(Entity.schema.name, id: entity.id, values: entity.fieldValues)
    }

    @discardableResult
    public func delete<Entity: StoredEntity>(_ type: Entity.Type, id: String) throws -> Bool {
        try core.modify(Entity.schema.name, id: id) { version, stamp in version.delete(stamp: stamp) }
    }

    @discardableResult
    public func restore<Entity: StoredEntity>(_ type: Entity.Type, id: String) throws -> Bool {
        try core.modify(Entity.schema.name, id: id) { version, stamp in version.restore(stamp: stamp) }
    }
}

@available(*, unavailable)
extension Batch: Sendable {}

extension Store {
    /// Writes a consistent copy of the replica to `path` (SQLite `VACUUM INTO`), safe while in use.
    ///
    /// A copy restored later keeps this replica's id; merge still converges, but writes made after
    /// the copy and never synced are gone, as with any backup.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(code: .conflict, message: "\(path) already exists; choose a new backup path")
        }
        try withCore { core in
            let statement = try core.db.prepare("VACUUM INTO ?")
            try statement.bind(path, at: 1)
            try statement.run()
        }
    }
}

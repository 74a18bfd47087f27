import Foundation
import RapportStore
import RapportMerge
import RapportProtocol

extension ServerStore {
    /// Several pushes (from different requests) in one transaction and one commit: a group commit.
    ///
    /// The commit of a push must reach the disk before it is answered (a client clears its outbox
    /// on the answer), and that sync costs milliseconds on real disks; pushes that arrived while
    /// the previous commit was syncing share the next one instead of queueing for one each. Each
    /// batch runs in its own savepoint, so one that fails (an unknown workspace) fails alone; its
    /// result holds its error. A failed commit throws, and then none of them happened.
    /// Each successful result carries the feed head of its workspace after the whole group.
    public func push(_ batches: [PushBatch], now: Date = Date()) throws -> [Result<PushCommit, any Error>] {
        let nowMillis = Self.millis(now)
        // The server keeps no clock of its own: it never stamps a write, it only refuses stamps
        // too far ahead of its wall time, which a fresh clock's drift bound does.
        let clock = HybridLogicalClock()
        return try withDatabase { db in
            try db.inTransaction(.immediate) {
                var merged: [Result<[ServerPushOutcome], any Error>] = []
                for batch in batches {
                    let result = Result {
                        try db.inTransaction {
                            try Self.merge(batch.versions, into: batch.workspace, db, clock: clock, now: nowMillis)
                        }
                    }
                    // A failure SQLite answered by rolling back everything (a full disk) fails the
                    // group: the batches before it are gone, and the ones after must not commit alone.
                    if case .failure(let error) = result, !db.isInTransaction { throw error }
                    merged.append(result)
                }
                var heads: [String: FeedPosition] = [:]
                return try zip(batches, merged).map { batch, result in
                    guard case .success(let outcomes) = result else { return result.map { PushCommit(outcomes: $0, head: .start) } }
                    if heads[batch.workspace] == nil {
                        heads[batch.workspace] = try Self.position(db, workspace: batch.workspace,
                                                                   at: try Self.requireNextSequence(db, workspace: batch.workspace) - 1)
                    }
                    return .success(PushCommit(outcomes: outcomes, head: heads[batch.workspace] ?? .start))
                }
            }
        }
    }

    /// One push's merge, inside the caller's transaction: the records it names are loaded, the
    /// shared `PushPlan` decides, and its writes are made here.
    private static func merge(_ versions: [RecordVersion], into workspace: String, _ db: Database, clock: HybridLogicalClock,
                              now nowMillis: Int64) throws -> [ServerPushOutcome] {
        let first = try Self.requireNextSequence(db, workspace: workspace)
        var stored: [RecordKey: StoredRecord] = [:]
        for key in PushPlan.keys(of: versions) {
            if let record = try Self.load(db, workspace: workspace, key) { stored[key] = record }
        }
        let schema = try ReplicaSchema.declared(try Self.declaredFields(db, workspace: workspace))
        let plan = PushPlan(versions, stored: stored, next: first, now: nowMillis, clock: clock, schema: schema)
        try Self.forgetConflicts(db, workspace: workspace, settledBy: plan.resolutions)
        for record in plan.writes { try Self.save(db, workspace: workspace, version: record.version, sequence: record.sequence) }
        try Self.journal(db, workspace: workspace, plan.journal)
        if plan.next != first {
            let statement = try db.cachedStatement("UPDATE workspace SET next_sequence = ? WHERE name = ?")
            try statement.bind(plan.next, at: 1)
            try statement.bind(workspace, at: 2)
            try statement.run()
            let commit = try db.cachedStatement("INSERT INTO push_commit (workspace, last_sequence, tag) VALUES (?, ?, ?)")
            try commit.bind(workspace, at: 1)
            try commit.bind(plan.next - 1, at: 2)
            try commit.bind(Self.newCommitTag(), at: 3)
            try commit.run()
        }
        return plan.outcomes
    }

    /// Up to `limit` feed entries with a sequence above `after`, in order, with the newest sequence.
    ///
    /// Served by the `(workspace, sequence)` index, so the cost follows the page, not the workspace
    /// size. Throws `.notFound` for an unknown workspace. Does not check that `after` belongs to this
    /// database's history; serving clients, use `changes(workspace:since:limit:)`.
    public func changes(workspace: String, after: Int64, limit: Int) throws -> ChangeFeedPage {
        try withDatabase { db in
            try db.inTransaction(.deferred) {
                let latest = try Self.requireNextSequence(db, workspace: workspace) - 1
                let entries = try Self.entries(db, workspace: workspace, after: after, limit: limit)
                return ChangeFeedPage(entries: entries, latestSequence: latest,
                                      next: try Self.position(db, workspace: workspace, at: entries.last?.sequence ?? after))
            }
        }
    }

    /// The page after a reader's position, once the position is known to belong to this database's
    /// history; the page's `next` is the reader's position after it.
    ///
    /// Throws `.historyChanged` when `since` is from another epoch, past the end of the feed, or
    /// tagged with another commit than the one that wrote its sequence here: the file was replaced
    /// or restored from an older copy since the reader got it, so the sequences it has read may now
    /// hold other changes, and the reader must start over. Throws `.notFound` for an unknown workspace.
    public func changes(workspace: String, since: FeedPosition, limit: Int) throws -> ChangeFeedPage {
        try withDatabase { db in
            try db.inTransaction(.deferred) {
                let epoch = try Self.readEpoch(db)
                let latest = try Self.requireNextSequence(db, workspace: workspace) - 1
                let history = "this position belongs to another history of the server database (it was replaced or restored)"
                if let theirs = since.epoch, theirs != epoch { throw StoreError(code: .historyChanged, message: history) }
                if since.sequence > latest { throw StoreError(code: .historyChanged, message: history) }
                if let tag = since.tag, since.sequence > 0,
                   try Self.commitTag(db, workspace: workspace, covering: since.sequence) != tag {
                    throw StoreError(code: .historyChanged, message: history)
                }
                let entries = try Self.entries(db, workspace: workspace, after: since.sequence, limit: limit)
                return ChangeFeedPage(entries: entries, latestSequence: latest,
                                      next: try Self.position(db, workspace: workspace, at: entries.last?.sequence ?? since.sequence))
            }
        }
    }

    /// The position at the end of a workspace's feed right now: epoch, newest sequence and its
    /// commit's tag. Throws `.notFound` for an unknown workspace.
    public func feedHead(workspace: String) throws -> FeedPosition {
        try withDatabase { db in
            try db.inTransaction(.deferred) {
                try Self.position(db, workspace: workspace, at: try Self.requireNextSequence(db, workspace: workspace) - 1)
            }
        }
    }

    private static func entries(_ db: Database, workspace: String, after: Int64, limit: Int) throws -> [ChangeFeedEntry] {
        let statement = try db.cachedStatement(Self.feedSQL)
        try statement.bind(workspace, at: 1)
        try statement.bind(after, at: 2)
        try statement.bind(Int64(max(0, limit)), at: 3)
        defer { statement.reset() }
        var entries: [ChangeFeedEntry] = []
        entries.reserveCapacity(max(0, min(limit, 1000)))
        while try statement.step() {
            entries.append(ChangeFeedEntry(sequence: statement.int64(0), json: statement.string(1) ?? ""))
        }
        statement.reset()
        if let last = entries.last?.sequence {
            // A record's settled conflicts travel with it every time it is delivered, so every
            // replica journals them, not only the one whose push was merged. Filtering by the
            // cursor would be wrong: a record that moved on to a later sequence while a client
            // paged past the conflict's position would never deliver it. Replicas deduplicate.
            let conflicts = try db.cachedStatement(Self.feedConflictsSQL)
            try conflicts.bind(workspace, at: 1)
            try conflicts.bind(after, at: 2)
            try conflicts.bind(last, at: 3)
            var bySequence: [Int64: [String]] = [:]
            while try conflicts.step() { bySequence[conflicts.int64(0), default: []].append(conflicts.string(1) ?? "") }
            conflicts.reset()
            if !bySequence.isEmpty {
                entries = entries.map { ChangeFeedEntry(sequence: $0.sequence, json: $0.json, conflicts: bySequence[$0.sequence] ?? []) }
            }
        }
        return entries
    }

    /// The position just after `sequence` was read, in this file's epoch.
    private static func position(_ db: Database, workspace: String, at sequence: Int64) throws -> FeedPosition {
        FeedPosition(epoch: try readEpoch(db), sequence: sequence,
                     tag: sequence > 0 ? try commitTag(db, workspace: workspace, covering: sequence) : nil)
    }

    /// The tag of the push commit that wrote `sequence`: the first commit ending at or after it.
    private static func commitTag(_ db: Database, workspace: String, covering sequence: Int64) throws -> String? {
        let statement = try db.cachedStatement("""
            SELECT tag FROM push_commit WHERE workspace = ? AND last_sequence >= ? ORDER BY last_sequence LIMIT 1
            """)
        try statement.bind(workspace, at: 1)
        try statement.bind(sequence, at: 2)
        defer { statement.reset() }
        return try statement.step() ? statement.string(0) : nil
    }

    /// 64 random bits as 16 lowercase hex digits.
    package static func newCommitTag() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The newest sequence of a workspace's feed, 0 when empty; `.notFound` for an unknown workspace.
    public func latestSequence(workspace: String) throws -> Int64 {
        try withDatabase { db in try Self.requireNextSequence(db, workspace: workspace) - 1 }
    }

    /// SQLite's plan for a feed page, so a test can prove pulls use the index rather than a scan.
    package func feedQueryPlan() throws -> [String] {
        try withDatabase { db in
            let statement = try db.prepare("EXPLAIN QUERY PLAN " + Self.feedSQL)
            var details: [String] = []
            while try statement.step() { details.append(statement.string(3) ?? "") }
            return details
        }
    }

    static let feedConflictsSQL = """
        SELECT r.sequence, c.json FROM record r
        JOIN conflict c ON c.workspace = r.workspace AND c.entity = r.entity AND c.id = r.id
        WHERE r.workspace = ?1 AND r.sequence > ?2 AND r.sequence <= ?3
        ORDER BY c.sequence
        """

    private static func journal(_ db: Database, workspace: String, _ journal: [(sequence: Int64, conflict: Conflict)]) throws {
        guard !journal.isEmpty else { return }
        let statement = try db.cachedStatement("INSERT INTO conflict (workspace, sequence, entity, id, json) VALUES (?, ?, ?, ?, ?)")
        for (sequence, conflict) in journal {
            let json: [UInt8]
            do { json = try WireCoding.encode(conflict) } catch {
                throw StoreError(code: .invalidData, message: error.message)
            }
            try statement.bind(workspace, at: 1)
            try statement.bind(sequence, at: 2)
            try statement.bind(conflict.entity, at: 3)
            try statement.bind(conflict.id, at: 4)
            try statement.bind(text: json, at: 5)
            try statement.run()
            statement.reset()
        }
    }

    private static func load(_ db: Database, workspace: String, _ key: RecordKey) throws -> StoredRecord? {
        let statement = try db.cachedStatement("SELECT sequence, version FROM record WHERE workspace = ? AND entity = ? AND id = ?")
        try statement.bind(workspace, at: 1)
        try statement.bind(key.entity, at: 2)
        try statement.bind(key.id, at: 3)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let sequence = statement.int64(0)
        guard let version = try? WireCoding.decodeVersion(statement.textBytes(1) ?? []) else {
            throw StoreError(code: .corruptDatabase, message: "the stored version at sequence \(sequence) of workspace '\(workspace)' is damaged")
        }
        return StoredRecord(version: version, sequence: sequence)
    }

    private static func save(_ db: Database, workspace: String, version: RecordVersion, sequence: Int64) throws {
        let json = WireCoding.encode(version)
        let statement = try db.cachedStatement("""
            INSERT INTO record (workspace, entity, id, sequence, version) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (workspace, entity, id) DO UPDATE SET sequence = excluded.sequence, version = excluded.version
            """)
        try statement.bind(workspace, at: 1)
        try statement.bind(version.entity, at: 2)
        try statement.bind(version.id, at: 3)
        try statement.bind(sequence, at: 4)
        try statement.bind(text: json, at: 5)
        try statement.run()
    }
}

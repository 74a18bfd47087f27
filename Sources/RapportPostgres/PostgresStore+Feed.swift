import Foundation
import PostgresNIO
import RapportMerge
import RapportProtocol
import RapportServerCore
import RapportStore

extension PostgresStore {
    /// Several pushes in one transaction and one commit (a group commit, as `ServerStore.push(_:now:)`).
    ///
    /// First every workspace the group names is locked (`FOR UPDATE`, in name order so two
    /// processes' groups never deadlock): that is what keeps each feed gap-free (see the type's
    /// documentation). Then each batch loads the records it names in one query, `PushPlan` decides,
    /// and the writes of the whole group go out in a few set-based statements per workspace. A
    /// batch for an unknown workspace fails alone; any other failure fails (and retries) the group.
    public func push(_ batches: [PushBatch], now: Date) throws -> [Result<PushCommit, any Error>] {
        let nowMillis = Self.millis(now)
        let clock = HybridLogicalClock()
        let hook = pushHook
        return try transaction { tx in
            let names = Array(Set(batches.map(\.workspace))).sorted()
            var next: [String: Int64] = [:]
            var epoch = self.epoch
            for row in try tx.run("""
                SELECT w.name, w.next_sequence, s.epoch FROM workspace w CROSS JOIN rapport_server s
                WHERE w.name = ANY(\(names)) ORDER BY w.name FOR UPDATE OF w
                """) {
                let (name, sequence, stored) = try row.decode((String, Int64, String).self)
                next[name] = sequence
                epoch = stored
            }
            let first = next
            var declared: [String: [DeclaredField]] = [:]
            for row in try tx.run("""
                SELECT workspace, entity, field, kind, new_entity FROM workspace_field WHERE workspace = ANY(\(names)) ORDER BY workspace, position
                """) {
                let (workspace, entity, field, kind, newEntity) = try row.decode((String, String, String, String, Bool).self)
                declared[workspace, default: []].append(DeclaredField(entity: entity, field: field, kind: kind, newEntity: newEntity))
            }
            var schemas: [String: ReplicaSchema] = [:]
            for workspace in names { schemas[workspace] = try ReplicaSchema.declared(declared[workspace] ?? []) }
            var records: [String: [RecordKey: StoredRecord]] = [:]
            var writes: [String: [RecordKey: StoredRecord]] = [:]
            var journal: [String: [(sequence: Int64, conflict: Conflict)]] = [:]
            var resolutions: [String: [ConflictResolution]] = [:]
            var results: [Result<[ServerPushOutcome], any Error>] = []
            for batch in batches {
                let workspace = batch.workspace
                guard let start = next[workspace] else {
                    results.append(.failure(Self.noWorkspace(workspace)))
                    continue
                }
                var known = records[workspace] ?? [:]
                let missing = PushPlan.keys(of: batch.versions).filter { known[$0] == nil }
                for record in try load(tx, workspace: workspace, missing) { known[RecordKey(record.version)] = record }
                let plan = PushPlan(batch.versions, stored: known, next: start, now: nowMillis, clock: clock,
                                    schema: schemas[workspace] ?? .builtIn)
                records[workspace] = plan.records
                for record in plan.writes { writes[workspace, default: [:]][RecordKey(record.version)] = record }
                for resolution in plan.resolutions {
                    journal[workspace]?.removeAll { PushPlan.settles(resolution, $0.conflict) }
                }
                journal[workspace, default: []] += plan.journal
                resolutions[workspace, default: []] += plan.resolutions
                next[workspace] = plan.next
                results.append(.success(plan.outcomes))
            }
            var tags: [String: String] = [:]
            for workspace in names {
                guard let end = next[workspace] else { continue }
                try forgetConflicts(tx, workspace: workspace, settledBy: resolutions[workspace] ?? [])
                guard end != first[workspace] else { continue }
                try save(tx, workspace: workspace, Array((writes[workspace] ?? [:]).values))
                try insert(tx, workspace: workspace, journal[workspace] ?? [])
                let tag = ServerStore.newCommitTag()
                tags[workspace] = tag
                _ = try tx.run("UPDATE workspace SET next_sequence = \(end) WHERE name = \(workspace)")
                _ = try tx.run("INSERT INTO push_commit (workspace, last_sequence, tag) VALUES (\(workspace), \(end - 1), \(tag))")
                // Delivered to every listening server process when (and only if) this commits.
                _ = try tx.run("SELECT pg_notify(\(channel), \(workspace))")
            }
            var heads: [String: FeedPosition] = [:]
            for workspace in names {
                guard let end = next[workspace] else { continue }
                let tag = end > 1 ? try tags[workspace] ?? commitTag(tx, workspace: workspace, covering: end - 1) : nil
                heads[workspace] = FeedPosition(epoch: epoch, sequence: end - 1, tag: tag)
            }
            if !tags.isEmpty { hook?(tags.keys.sorted()) }
            return zip(batches, results).map { batch, result in
                result.map { PushCommit(outcomes: $0, head: heads[batch.workspace] ?? .start) }
            }
        }
    }

    public func changes(workspace: String, since: FeedPosition, limit: Int) throws -> ChangeFeedPage {
        try read { tx in
            let (latest, epoch, sinceTag) = try header(tx, workspace: workspace, at: since.sequence)
            let history = "this position belongs to another history of the server database (it was replaced or restored)"
            if let theirs = since.epoch, theirs != epoch { throw StoreError(code: .historyChanged, message: history) }
            if since.sequence > latest { throw StoreError(code: .historyChanged, message: history) }
            if let tag = since.tag, since.sequence > 0, sinceTag != tag { throw StoreError(code: .historyChanged, message: history) }
            return try page(tx, workspace: workspace, after: since.sequence, afterTag: sinceTag, limit: limit, latest: latest, epoch: epoch)
        }
    }

    public func changes(workspace: String, after: Int64, limit: Int) throws -> ChangeFeedPage {
        try read { tx in
            let (latest, epoch, afterTag) = try header(tx, workspace: workspace, at: after)
            return try page(tx, workspace: workspace, after: after, afterTag: afterTag, limit: limit, latest: latest, epoch: epoch)
        }
    }

    public func feedHead(workspace: String) throws -> FeedPosition {
        try read { tx in
            let rows = try tx.run("""
                SELECT w.next_sequence - 1, s.epoch,
                       (SELECT p.tag FROM push_commit p WHERE p.workspace = w.name AND p.last_sequence >= w.next_sequence - 1
                        ORDER BY p.last_sequence LIMIT 1)
                FROM workspace w CROSS JOIN rapport_server s WHERE w.name = \(workspace)
                """)
            guard let row = rows.first else { throw Self.noWorkspace(workspace) }
            let (latest, epoch, tag) = try row.decode((Int64, String, String?).self)
            return FeedPosition(epoch: epoch, sequence: latest, tag: latest > 0 ? tag : nil)
        }
    }

    public func latestSequence(workspace: String) throws -> Int64 {
        try transaction(nil) { tx in
            guard let row = try tx.run("SELECT next_sequence - 1 FROM workspace WHERE name = \(workspace)").first else {
                throw Self.noWorkspace(workspace)
            }
            return try row.decode(Int64.self)
        }
    }

    // MARK: reading

    /// A read-only transaction on one snapshot, so the newest sequence, the page and its tags agree.
    func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// The workspace's newest sequence, the epoch, and the tag of the commit covering `sequence`.
    private func header(_ tx: Transaction, workspace: String, at sequence: Int64) throws -> (latest: Int64, epoch: String, tag: String?) {
        let rows = try tx.run("""
            SELECT w.next_sequence - 1, s.epoch,
                   (SELECT p.tag FROM push_commit p WHERE p.workspace = w.name AND p.last_sequence >= \(sequence)
                    ORDER BY p.last_sequence LIMIT 1)
            FROM workspace w CROSS JOIN rapport_server s WHERE w.name = \(workspace)
            """)
        guard let row = rows.first else { throw Self.noWorkspace(workspace) }
        let (latest, epoch, tag) = try row.decode((Int64, String, String?).self)
        noteEpoch(epoch)
        return (latest, epoch, tag)
    }

    private func page(_ tx: Transaction, workspace: String, after: Int64, afterTag: String?, limit: Int, latest: Int64,
                      epoch: String) throws -> ChangeFeedPage {
        // One row for the whole page (sequences as an array, versions joined by a separator that
        // JSON text never holds raw): decoding a thousand rows costs far more than splitting one.
        let row = try tx.run("""
            SELECT array_agg(sequence ORDER BY sequence), string_agg(version, \(Self.separator) ORDER BY sequence)
            FROM (SELECT sequence, version FROM record WHERE workspace = \(workspace) AND sequence > \(after)
                  ORDER BY sequence LIMIT \(Int64(max(0, limit)))) page
            """).first
        let (sequences, joined) = try row?.decode(([Int64]?, String?).self) ?? (nil, nil)
        let versions = Self.split(joined)
        guard versions.count == (sequences?.count ?? 0) else {
            throw StoreError(code: .corruptDatabase, message: "a stored version of workspace '\(workspace)' holds a raw record separator")
        }
        var entries = zip(sequences ?? [], versions).map { ChangeFeedEntry(sequence: $0, json: $1) }
        guard let last = entries.last?.sequence else {
            return ChangeFeedPage(entries: [], latestSequence: latest,
                                  next: FeedPosition(epoch: epoch, sequence: after, tag: after > 0 ? afterTag : nil))
        }
        // A record's settled conflicts travel with it every time it is delivered (see ServerStore).
        var bySequence: [Int64: [String]] = [:]
        for row in try tx.run("""
            SELECT r.sequence, c.json FROM record r
            JOIN conflict c ON c.workspace = r.workspace AND c.entity = r.entity AND c.id = r.id
            WHERE r.workspace = \(workspace) AND r.sequence > \(after) AND r.sequence <= \(last)
            ORDER BY c.sequence, c.conflict_no
            """) {
            let (sequence, json) = try row.decode((Int64, String).self)
            bySequence[sequence, default: []].append(json)
        }
        if !bySequence.isEmpty {
            entries = entries.map { ChangeFeedEntry(sequence: $0.sequence, json: $0.json, conflicts: bySequence[$0.sequence] ?? []) }
        }
        return ChangeFeedPage(entries: entries, latestSequence: latest,
                              next: FeedPosition(epoch: epoch, sequence: last, tag: try commitTag(tx, workspace: workspace, covering: last)))
    }

    /// The tag of the push commit that wrote `sequence`: the first commit ending at or after it.
    private func commitTag(_ tx: Transaction, workspace: String, covering sequence: Int64) throws -> String? {
        try tx.run("""
            SELECT tag FROM push_commit WHERE workspace = \(workspace) AND last_sequence >= \(sequence)
            ORDER BY last_sequence LIMIT 1
            """).first?.decode(String.self)
    }

    // MARK: aggregates

    /// U+001E RECORD SEPARATOR: JSON text holds control characters only escaped, so a stored
    /// version (the codec's JSON) never contains it raw, and it can join versions in one value.
    static let separator = "\u{1E}"

    /// The versions of a `string_agg(version, separator)`, in order; none for NULL.
    static func split(_ joined: String?) -> [String] {
        guard let joined else { return [] }
        return joined.utf8.split(separator: 0x1E, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: writing

    /// A record id (or entity name) as its key column holds it. PostgreSQL text cannot hold NUL,
    /// which a record id may (and a resolution's entity field); so NUL becomes `%00` and `%` becomes
    /// `%25` (one-to-one, and every other value is itself).
    /// Versions keep the id as pushed: this column is only ever compared, never read back.
    static func column(_ id: String) -> String {
        guard id.utf8.contains(where: { $0 == 0 || $0 == 37 }) else { return id }
        return id.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\u{0}", with: "%00")
    }

    private func load(_ tx: Transaction, workspace: String, _ keys: [RecordKey]) throws -> [StoredRecord] {
        guard !keys.isEmpty else { return [] }
        // LATERAL: one primary-key probe per named record, whatever the workspace's size (a join
        // would let the planner hash the whole workspace); one aggregated row back (see `page`).
        let row = try tx.run("""
            SELECT array_agg(r.sequence), string_agg(r.version, \(Self.separator))
            FROM unnest(\(keys.map { Self.column($0.entity) })::text[], \(keys.map { Self.column($0.id) })::text[]) AS k(entity, id)
            CROSS JOIN LATERAL (
                SELECT sequence, version FROM record WHERE workspace = \(workspace) AND entity = k.entity AND id = k.id
            ) r
            """).first
        let (sequences, joined) = try row?.decode(([Int64]?, String?).self) ?? (nil, nil)
        let versions = Self.split(joined)
        guard versions.count == (sequences?.count ?? 0) else {
            throw StoreError(code: .corruptDatabase, message: "a stored version of workspace '\(workspace)' holds a raw record separator")
        }
        return try zip(sequences ?? [], versions).map { sequence, json in
            guard let version = try? WireCoding.decodeVersion(Array(json.utf8)) else {
                throw StoreError(code: .corruptDatabase, message: "the stored version at sequence \(sequence) of workspace '\(workspace)' is damaged")
            }
            return StoredRecord(version: version, sequence: sequence)
        }
    }

    private func save(_ tx: Transaction, workspace: String, _ records: [StoredRecord]) throws {
        guard !records.isEmpty else { return }
        let json = records.map { String(decoding: WireCoding.encode($0.version), as: UTF8.self) }
        _ = try tx.run("""
            INSERT INTO record (workspace, entity, id, sequence, version)
            SELECT \(workspace), t.entity, t.id, t.sequence, t.version
            FROM unnest(\(records.map { Self.column($0.version.entity) })::text[], \(records.map { Self.column($0.version.id) })::text[],
                        \(records.map(\.sequence))::int8[], \(json)::text[]) AS t(entity, id, sequence, version)
            ON CONFLICT (workspace, entity, id) DO UPDATE SET sequence = excluded.sequence, version = excluded.version
            """)
    }

    private func insert(_ tx: Transaction, workspace: String, _ journal: [(sequence: Int64, conflict: Conflict)]) throws {
        guard !journal.isEmpty else { return }
        var json: [String] = []
        for entry in journal {
            do { json.append(String(decoding: try WireCoding.encode(entry.conflict), as: UTF8.self)) } catch {
                throw StoreError(code: .invalidData, message: error.message)
            }
        }
        _ = try tx.run("""
            INSERT INTO conflict (workspace, sequence, entity, id, json)
            SELECT \(workspace), t.sequence, t.entity, t.id, t.json
            FROM unnest(\(journal.map(\.sequence))::int8[], \(journal.map { Self.column($0.conflict.entity) })::text[],
                        \(journal.map { Self.column($0.conflict.id) })::text[], \(json)::text[]) WITH ORDINALITY AS t(sequence, entity, id, json, n)
            ORDER BY t.n
            """)
    }

    /// Deletes the stored conflicts of `workspace` that a pushed resolution settles.
    private func forgetConflicts(_ tx: Transaction, workspace: String, settledBy resolutions: [ConflictResolution]) throws {
        guard !resolutions.isEmpty else { return }
        var settled: [Int64] = []
        let rows = try tx.run("""
            SELECT c.conflict_no, c.json FROM conflict c
            JOIN unnest(\(resolutions.map { Self.column($0.entity) })::text[], \(resolutions.map { Self.column($0.recordID) })::text[]) AS k(entity, id)
              ON c.entity = k.entity AND c.id = k.id
            WHERE c.workspace = \(workspace)
            """)
        for row in rows {
            let (number, json) = try row.decode((Int64, String).self)
            guard let conflict = WireCoding.decodeConflict(Array(json.utf8)) else { continue }
            if resolutions.contains(where: { PushPlan.settles($0, conflict) }) { settled.append(number) }
        }
        guard !settled.isEmpty else { return }
        _ = try tx.run("DELETE FROM conflict WHERE conflict_no = ANY(\(settled))")
    }
}

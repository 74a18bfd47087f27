import Foundation
import RapportMerge
import RapportProtocol
import RapportStore

/// A record as a workspace holds it: its merged version and the feed sequence that last wrote it.
public struct StoredRecord: Hashable, Sendable {
    public var version: RecordVersion
    public var sequence: Int64

    public init(version: RecordVersion, sequence: Int64) {
        self.version = version
        self.sequence = sequence
    }
}

/// A record's identity inside one workspace, compared byte for byte as the databases compare it
/// (Swift's `String` equality would make a composed and a decomposed "é" one record).
public struct RecordKey: Hashable, Sendable {
    public var entity: String
    public var id: String

    public init(entity: String, id: String) {
        self.entity = entity
        self.id = id
    }

    public init(_ version: RecordVersion) {
        self.init(entity: version.entity, id: version.id)
    }

    public static func == (a: RecordKey, b: RecordKey) -> Bool {
        a.entity.utf8.elementsEqual(b.entity.utf8) && a.id.utf8.elementsEqual(b.id.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        Self.combine(entity, into: &hasher)
        hasher.combine(0xFF as UInt8)  // never in UTF-8: separates entity from id
        Self.combine(id, into: &hasher)
    }

    private static func combine(_ text: String, into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// What one push does to a workspace, decided without touching a database: the server's merge
/// semantics in one place, for every storage backend.
///
/// Each version is checked like a replica checks a pulled one (entity, fields, consistency, clock
/// drift against `now`); a refused one is `.rejected` and never fails the others. A record the
/// workspace lacks is stored at the next sequence; otherwise the stored and pushed versions are
/// merged, and only a merge that changes something uses a new sequence, so the same push twice
/// changes nothing the second time. A record pushed twice in one batch is merged twice, in order.
///
/// The backend loads the stored records the push names (`keys(of:)`), builds the plan, then writes
/// `writes`, deletes the stored conflicts `settles` says a resolution closed, inserts `journal`, and
/// moves the workspace's next sequence to `next`, all in the push's transaction.
public struct PushPlan: Sendable {
    /// An outcome per pushed version, in order.
    public private(set) var outcomes: [ServerPushOutcome] = []
    /// The final state of every record the push changed, in the order first changed.
    public var writes: [StoredRecord] { writeOrder.compactMap { current[$0] } }
    /// Conflicts the merges settled, each with the sequence of the write that settled it, in order.
    public private(set) var journal: [(sequence: Int64, conflict: Conflict)] = []
    /// Resolutions pushed here: conflicts already stored that any of them settles stop travelling.
    public private(set) var resolutions: [ConflictResolution] = []
    /// The workspace's next sequence after the push; equal to the first one when nothing was stored.
    public private(set) var next: Int64

    private var current: [RecordKey: StoredRecord]
    private var writeOrder: [RecordKey] = []
    private var written = Set<RecordKey>()

    /// Plans `versions` against `stored` (every record among `keys(of: versions)` that the workspace
    /// holds, plus whatever earlier pushes of the same transaction wrote), starting at sequence `next`.
    /// Versions are checked against `schema`, the workspace's (built-in plus declared fields and
    /// entities): a field or entity it lacks is refused, with a message saying how to declare it.
    public init(_ versions: [RecordVersion], stored: [RecordKey: StoredRecord], next: Int64, now nowMillis: Int64,
                clock: HybridLogicalClock = HybridLogicalClock(), schema: ReplicaSchema = .builtIn) {
        self.next = next
        current = stored
        outcomes.reserveCapacity(versions.count)
        for version in versions { plan(version, clock: clock, now: nowMillis, schema: schema) }
    }

    /// The records a backend must load before planning `versions`, without duplicates.
    public static func keys(of versions: [RecordVersion]) -> [RecordKey] {
        var seen = Set<RecordKey>()
        return versions.map(RecordKey.init).filter { seen.insert($0).inserted }
    }

    /// The records this plan leaves behind, for a later push planned in the same transaction.
    public var records: [RecordKey: StoredRecord] { current }

    private mutating func plan(_ version: RecordVersion, clock: HybridLogicalClock, now nowMillis: Int64, schema: ReplicaSchema) {
        if let problem = ReplicaCore.problem(with: version, clock: clock, now: nowMillis, schema: schema, declareHint: ReplicaSchema.declareHint) {
            outcomes.append(.rejected(reason: problem.reason, message: problem.message))
            return
        }
        if let resolution = Self.resolution(in: version) {
            resolutions.append(resolution)
            journal.removeAll { Self.settles(resolution, $0.conflict) }
        }
        let key = RecordKey(version)
        guard let stored = current[key] else {
            store(key, version, settled: [])
            return
        }
        let merged = RapportMerge.merge(stored.version, version)
        guard merged != stored.version else {
            outcomes.append(.stale(sequence: stored.sequence))
            return
        }
        store(key, merged, settled: conflicts(between: stored.version, and: version))
    }

    private mutating func store(_ key: RecordKey, _ version: RecordVersion, settled: [Conflict]) {
        if written.insert(key).inserted { writeOrder.append(key) }
        current[key] = StoredRecord(version: version, sequence: next)
        for conflict in settled { journal.append((next, conflict)) }
        outcomes.append(settled.isEmpty ? .accepted(sequence: next) : .merged(sequence: next, conflicts: settled))
        next += 1
    }

    /// The resolution a pushed version carries, if it is a live `ConflictResolution`.
    static func resolution(in version: RecordVersion) -> ConflictResolution? {
        guard version.entity == ConflictResolution.schema.name, !version.isDeleted else { return nil }
        return try? ConflictResolution(id: version.id, fieldValues: version.values)
    }

    /// Whether `resolution` closes `conflict` (the same record, field and pair of writes).
    public static func settles(_ resolution: ConflictResolution, _ conflict: Conflict) -> Bool {
        ConflictResolution.key(entity: conflict.entity, recordID: conflict.id, field: conflict.field,
                               conflict.local.stamp, conflict.remote.stamp).id == resolution.id
    }
}

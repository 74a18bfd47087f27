import Foundation

/// Everything one replica knows about one record: its vector clock, each field's stamped value,
/// and a stamped `deleted` flag (the tombstone).
///
/// Versions are values; local edits go through `write`, `delete` and `restore`, which take the stamp
/// from the replica's `HybridLogicalClock`. Replicas combine versions only with `merge`.
/// On the wire: `{"entity", "id", "clock", "fields": {name: Stamped}, "deleted": Stamped<Bool>}`.
public struct RecordVersion: Hashable, Sendable, Codable {
    public let entity: String
    public let id: String
    public var clock: VectorClock
    public var fields: [String: Stamped<FieldValue>]
    public var deleted: Stamped<Bool>

    public init(entity: String, id: String, clock: VectorClock, fields: [String: Stamped<FieldValue>], deleted: Stamped<Bool>) {
        self.entity = entity
        self.id = id
        self.clock = clock
        self.fields = fields
        self.deleted = deleted
    }

    /// The first version of a new record, written by `stamp.replica`.
    public static func create(entity: String, id: String, fields: [String: FieldValue], stamp: Stamp) -> RecordVersion {
        var clock = VectorClock()
        let dot = clock.increment(stamp.replica)
        return RecordVersion(
            entity: entity, id: id, clock: clock,
            fields: fields.mapValues { Stamped($0, stamp: stamp, dot: dot) },
            deleted: Stamped(false, stamp: stamp, dot: dot))
    }

    /// The plain field values.
    public var values: [String: FieldValue] { fields.mapValues(\.value) }

    public var isDeleted: Bool { deleted.value }

    /// The greatest stamp anywhere in the version.
    public var maxStamp: Stamp {
        fields.values.reduce(deleted.stamp) { max($0, $1.stamp) }
    }

    /// Every stamp in the version (for clock-drift checks).
    public var allStamps: [Stamp] { [deleted.stamp] + fields.values.map(\.stamp) }

    /// Writes the fields whose value differs from the current one; only those get new stamps.
    ///
    /// Returns the names of the changed fields; when nothing changed the version (and its clock)
    /// stays as it was and the result is empty.
    /// With `evenIfUnchanged`, every named field is written: a person who settles a conflict by
    /// keeping the current value still makes a write, so other replicas learn it was settled.
    @discardableResult
    public mutating func write(_ changes: [String: FieldValue], stamp: Stamp, evenIfUnchanged: Bool = false) -> [String] {
        let changed = evenIfUnchanged ? changes : changes.filter { fields[$0.key]?.value != $0.value }
        guard !changed.isEmpty else { return [] }
        let dot = clock.increment(stamp.replica)
        for (name, value) in changed {
            fields[name] = Stamped(value, stamp: stamp, dot: dot)
        }
        return changed.keys.sorted()
    }

    /// Marks the record deleted (a tombstone). Returns false if it already was.
    @discardableResult
    public mutating func delete(stamp: Stamp) -> Bool { setDeleted(true, stamp: stamp) }

    /// Explicitly restores a deleted record; the newer `deleted = false` wins over the tombstone.
    @discardableResult
    public mutating func restore(stamp: Stamp) -> Bool { setDeleted(false, stamp: stamp) }

    /// Writes the `deleted` flag even when it already has this value (a settled delete-versus-edit).
    public mutating func writeDeleted(_ flag: Bool, stamp: Stamp) {
        deleted = Stamped(flag, stamp: stamp, dot: clock.increment(stamp.replica))
    }

    private mutating func setDeleted(_ flag: Bool, stamp: Stamp) -> Bool {
        guard deleted.value != flag else { return false }
        deleted = Stamped(flag, stamp: stamp, dot: clock.increment(stamp.replica))
        return true
    }

    /// Checks the parts agree: every write's dot has been seen by the clock and is at least 1.
    ///
    /// A version failing this was forged or corrupted; it is refused rather than merged.
    public func validate() throws(ReplicationError) {
        guard !entity.isEmpty, !id.isEmpty else {
            throw ReplicationError(.invalidVersion, "record version needs a non-empty entity and id")
        }
        // Checked write by write without collecting them first: this runs for every received version.
        try checkSeen("deleted", deleted.stamp, deleted.dot)
        for (name, write) in fields { try checkSeen(name, write.stamp, write.dot) }
    }

    private func checkSeen(_ name: String, _ stamp: Stamp, _ dot: UInt64) throws(ReplicationError) {
        if dot > 0, clock[stamp.replica] >= dot { return }
        throw ReplicationError(.invalidVersion, """
            \(entity.prefix(64)) \(id.prefix(64)): field '\(name.prefix(64))' claims write \(dot) of replica \(stamp.replica), \
            but the record's clock has seen \(clock[stamp.replica]) writes of it; the sender is corrupt
            """)
    }
}

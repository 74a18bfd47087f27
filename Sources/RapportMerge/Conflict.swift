import Foundation

/// One field that two concurrent versions wrote with different values, and how it was settled.
///
/// Produced by `conflicts(between:and:)` and kept in a replica's conflict journal so a person can
/// inspect the losing value and override it. A delete that met a concurrent edit is reported as a
/// `deleteVersusEdit` on the pseudo-field `deleted`; the edited values are kept (hidden) in the
/// record, so a restore brings them back.
public struct Conflict: Hashable, Sendable, Codable {
    /// Which side's value was kept.
    public enum Side: String, Hashable, Sendable, Codable { case local, remote }

    /// Why the winner won.
    public enum Reason: String, Hashable, Sendable, Codable {
        /// The winner's write has the later stamp (later hybrid-logical-clock reading).
        case laterStamp
        /// Identical stamps, settled by the canonical value order (a cloned replica).
        case tieBreak
        /// A delete met a concurrent edit: the record stays deleted until explicitly restored.
        case deleteWins
    }

    /// What kind of disagreement this was.
    public enum Kind: String, Hashable, Sendable, Codable {
        case field
        case deleteVersusEdit
    }

    public let entity: String
    public let id: String
    /// The field name, or `deleted` for the tombstone.
    public let field: String
    public let kind: Kind
    public let local: Stamped<FieldValue>
    public let remote: Stamped<FieldValue>
    public let winner: Side
    public let reason: Reason

    public init(entity: String, id: String, field: String, kind: Kind, local: Stamped<FieldValue>, remote: Stamped<FieldValue>, winner: Side, reason: Reason) {
        self.entity = entity
        self.id = id
        self.field = field
        self.kind = kind
        self.local = local
        self.remote = remote
        self.winner = winner
        self.reason = reason
    }

    /// The kept write.
    public var winningValue: Stamped<FieldValue> { winner == .local ? local : remote }
    /// The overwritten write.
    public var losingValue: Stamped<FieldValue> { winner == .local ? remote : local }
}

/// The conflicts `incoming` brings to `local`: fields both sides wrote without seeing the other's
/// write, with different values, plus a delete that met an edit it had not seen.
///
/// A field only one side changed is not a conflict, even when the record-level clocks are
/// concurrent (the dots tell who saw which write). Between honest replicas this is empty unless
/// `classify(incoming, against: local)` is `.concurrent`; a write number reused by a restored
/// backup is reported even when the clocks look ordered. Ordered by field name.
public func conflicts(between local: RecordVersion, and incoming: RecordVersion) -> [Conflict] {
    var found: [Conflict] = []
    let forks = reusedWriteNumbers(local, incoming)

    func settle(_ field: String, _ kind: Conflict.Kind, _ l: Stamped<FieldValue>, _ r: Stamped<FieldValue>) {
        let remoteWins = Stamped<FieldValue>.precedes(l, r)
        let reason: Conflict.Reason = l.stamp == r.stamp ? .tieBreak : .laterStamp
        found.append(Conflict(entity: local.entity, id: local.id, field: field, kind: kind, local: l, remote: r,
                              winner: remoteWins ? .remote : .local, reason: reason))
    }

    // Once a replica's write number was used twice in this record (on any field), a clock that
    // counts that far cannot say which of the two writes it saw.
    func seen(_ write: Stamped<FieldValue>, by clock: VectorClock) -> Bool {
        if let fork = forks[write.stamp.replica], write.dot >= fork { return false }
        return write.isSeen(by: clock)
    }

    func unseenByEachOther(_ l: Stamped<FieldValue>, _ r: Stamped<FieldValue>) -> Bool {
        guard l.stamp != r.stamp else { return false }
        // One honest replica numbers its writes in stamp order. A reused number, or numbers and
        // stamps in opposite orders, means a file restored from a backup (or copied) went on
        // writing under the same id: neither write saw the other, whatever the clocks claim.
        if l.stamp.replica == r.stamp.replica && (l.dot == r.dot || (l.dot < r.dot) != (l.stamp < r.stamp)) { return true }
        return !seen(l, by: incoming.clock) && !seen(r, by: local.clock)
    }

    for name in local.fields.keys.sorted() {
        guard let l = local.fields[name], let r = incoming.fields[name], l.value != r.value else { continue }
        if unseenByEachOther(l, r) { settle(name, .field, l, r) }
    }

    let l = local.deleted.asField, r = incoming.deleted.asField
    if l.value != r.value, unseenByEachOther(l, r) {
        settle("deleted", .field, l, r)
    } else if local.isDeleted != incoming.isDeleted {
        // One side deleted without seeing the other's edits: the tombstone stays, the edits are kept hidden.
        let (deleter, editor) = local.isDeleted ? (local, incoming) : (incoming, local)
        let deleteUnseen = !deleter.deleted.isSeen(by: editor.clock)
        let editUnseen = editor.fields.values.contains { !$0.isSeen(by: deleter.clock) }
        if deleteUnseen && editUnseen {
            found.append(Conflict(entity: local.entity, id: local.id, field: "deleted", kind: .deleteVersusEdit,
                                  local: l, remote: r, winner: local.isDeleted ? .local : .remote, reason: .deleteWins))
        }
    }
    return found
}

/// For each replica that used one write number (dot) for two different writes anywhere in these two
/// versions of a record, the lowest such number. One honest replica writes each number once; a
/// reused one means a restored or copied file went on writing under the same id.
func reusedWriteNumbers(_ a: RecordVersion, _ b: RecordVersion) -> [ReplicaID: UInt64] {
    struct Write: Hashable { let replica: ReplicaID; let dot: UInt64 }
    var seen: [Write: Stamp] = [:]
    var forks: [ReplicaID: UInt64] = [:]
    for version in [a, b] {
        for stamped in [version.deleted.asField] + Array(version.fields.values) {
            let key = Write(replica: stamped.stamp.replica, dot: stamped.dot)
            if let other = seen[key] {
                if other != stamped.stamp { forks[key.replica] = min(forks[key.replica] ?? .max, key.dot) }
            } else {
                seen[key] = stamped.stamp
            }
        }
    }
    return forks
}

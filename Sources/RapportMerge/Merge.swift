import Foundation

/// Combines two versions of the same record into the version that knows everything both know.
///
/// Clock: pointwise maximum. Each field and the `deleted` flag: the write with the greater stamp
/// (equal stamps with different values, only possible from a cloned replica, are settled by the
/// canonical value order). A field only one side has is kept. The result never looks at the clock
/// comparison, so `merge` is commutative, associative and idempotent on any input; replicas that
/// have received the same versions in any order, with any duplicates, hold the same result.
///
/// - Precondition: `a` and `b` describe the same record (`entity` and `id` equal).
public func merge(_ a: RecordVersion, _ b: RecordVersion) -> RecordVersion {
    precondition(a.entity == b.entity && a.id == b.id, "merge of versions of different records")
    var fields = a.fields
    for (name, theirs) in b.fields {
        if let ours = fields[name] {
            fields[name] = Stamped.winner(ours, theirs)
        } else {
            fields[name] = theirs
        }
    }
    return RecordVersion(
        entity: a.entity, id: a.id,
        clock: a.clock.joined(with: b.clock),
        fields: fields,
        deleted: Stamped.winner(a.deleted, b.deleted))
}

import Foundation
import RapportMerge

/// A settled conflict, replicated like any record so that a conflict resolved on one device is
/// resolved on all of them.
///
/// Keyed by the two conflicting writes (entity, record, field and both stamps): its id is derived
/// from them, so two devices settling the same conflict write the same record. A replica closes its
/// journal entry for that pair when the record arrives, journals that pair as settled if it
/// learns of the conflict later (a new replica), and a server stops sending the conflict with its
/// record. Written by `Store.resolveConflict` and by a local edit of a conflicted field (an edit
/// made with both values in view settles it).
public struct ConflictResolution: StoredEntity, Hashable {
    public let id: String
    public var entity: String
    public var recordID: String
    public var field: String
    /// The two conflicting stamps, ordered, joined by a space.
    public var stamps: String
    /// What settled it, e.g. `took mine: "lee"` or `settled by a later edit`.
    public var outcome: String
    public var resolvedAt: Date

    public static let schema = EntitySchema(name: "resolution", fields: [
        .init("entity", .text), .init("recordID", .text), .init("field", .text), .init("stamps", .text),
        .init("outcome", .text), .init("resolvedAt", .date),
    ])

    public init(conflict: Conflict, outcome: String, resolvedAt: Date) {
        let key = Self.key(entity: conflict.entity, recordID: conflict.id, field: conflict.field,
                           conflict.local.stamp, conflict.remote.stamp)
        self.id = key.id
        self.entity = conflict.entity
        self.recordID = conflict.id
        self.field = conflict.field
        self.stamps = key.stamps
        self.outcome = outcome
        self.resolvedAt = resolvedAt
    }

    public var fieldValues: [String: FieldValue] {
        ["entity": .string(entity), "recordID": .string(recordID), "field": .string(field), "stamps": .string(stamps),
         "outcome": .string(outcome), "resolvedAt": .date(resolvedAt)]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        self.id = id
        entity = try r.string("entity")
        recordID = try r.string("recordID")
        field = try r.string("field")
        stamps = try r.string("stamps")
        outcome = try r.string("outcome")
        resolvedAt = try r.date("resolvedAt")
    }

    /// The id and stamps text for one pair of conflicting writes, the same whichever side is first.
    package static func key(entity: String, recordID: String, field: String, _ a: Stamp, _ b: Stamp) -> (id: String, stamps: String) {
        let stamps = [a, b].sorted().map(\.description).joined(separator: " ")
        let canonical = [entity, recordID, field, stamps].joined(separator: "\u{1F}")
        // Two independent 64-bit FNV-1a hashes: a fixed-length id whatever the record id's length.
        var h1: UInt64 = 0xcbf2_9ce4_8422_2325, h2: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in canonical.utf8 {
            h1 = (h1 ^ UInt64(byte)) &* 0x100_0000_01b3
            h2 = (h2 &+ UInt64(byte)) &* 0x9e37_79b9_7f4a_7c15
            h2 ^= h2 >> 29
        }
        let hex = { (v: UInt64) in String(repeating: "0", count: 16 - String(v, radix: 16).count) + String(v, radix: 16) }
        return ("res-" + hex(h1) + hex(h2), stamps)
    }
}

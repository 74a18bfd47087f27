import Foundation
import RapportMerge
import RapportModel

/// A stored entity of which at most one live record should exist per natural key.
///
/// New records get `naturalID` as their id (the same on every device, see ``/RapportModel/NaturalID``), so two
/// devices creating "the same" record write one record and conflict per field. Write them with
/// `save` (create, update or restore), never `create`. Databases written before natural ids may
/// still hold several records with one key; reads that need one (``Store/distinct(_:where:equals:)``,
/// ``Store/scorecard(for:)``) keep the one written last and report the others.
///
/// Editing a key field with `update` moves a record to another key while its id stays: don't.
public protocol NaturallyKeyedEntity: StoredEntity {
    /// The id every device gives a new record with this record's key.
    var naturalID: String { get }
    /// A stored field that is part of the key, used to find the records that share it.
    static var naturalKeyField: String { get }
    /// Whether `save` deletes the other live records with the same key. False when other records
    /// refer to this one by id (a deleted objective would orphan its measurements and weights).
    static var saveRetiresDuplicates: Bool { get }
}

extension Objective: NaturallyKeyedEntity {
    public static var naturalKeyField: String { "key" }
    public static var saveRetiresDuplicates: Bool { false }
}

extension RapportModel.Measurement: NaturallyKeyedEntity {
    public static var naturalKeyField: String { "period" }
    public static var saveRetiresDuplicates: Bool { true }
}

extension WeightSet: NaturallyKeyedEntity {
    public static var naturalKeyField: String { "effectiveFrom" }
    public static var saveRetiresDuplicates: Bool { true }
}

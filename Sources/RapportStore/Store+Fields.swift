import Foundation
import RapportMerge

extension Store {
    /// The field values of one record by entity and id, or nil when this replica has no such record.
    ///
    /// For fields no typed model has a property for: those a later schema added (`ReplicaSchema`),
    /// and those a newer app wrote that this build keeps without knowing them. Tombstones are
    /// included; `version(entity:id:)` says whether the record is deleted.
    /// A field of the schema that the version lacks (written by a build before it was added) reads as null.
    public func fields(entity: String, id: String) throws -> [String: FieldValue]? {
        guard var values = try version(entity: entity, id: id)?.values else { return nil }
        for field in schema.byName[entity]?.fields ?? [] where values[field.name] == nil { values[field.name] = .null }
        return values
    }

    /// Creates a record of any entity of this store's schema from field values; an optional field
    /// left out is written as null. Refuses fields the schema does not know.
    public func create(entity: String, id: String, values: [String: FieldValue]) throws {
        try withCore { try $0.create(entity, id: id, values: values) }
    }

    /// Writes the given fields of a record (read-modify-write in one transaction, like
    /// `Repository.update(id:_:)`); returns the fields whose value changed. Fields not named,
    /// including those kept for a newer app, are left as they are.
    @discardableResult
    public func update(entity: String, id: String, values: [String: FieldValue]) throws -> [String] {
        try withCore { try $0.update(entity, id: id, values: values) }
    }
}

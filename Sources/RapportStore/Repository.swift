import Foundation
import RapportMerge

/// Typed access to one entity of a `Store`: create, update, delete (tombstone), restore, get, list.
///
/// Each call is its own transaction; use `createAll` or `Store.batch` to write many at once.
/// Deleted records are hidden from `get` and `list` unless asked for, and come back on `restore`.
public struct Repository<Entity: StoredEntity>: Sendable {
    let store: Store

    public func create(_ entity: Entity) throws {
        try store.batch { try $0.create(entity) }
    }

    /// Creates all of them in one transaction: every one, or (on any error) none.
    public func createAll<S: Sequence>(_ entities: S) throws where S.Element == Entity {
        try store.batch { batch in for entity in entities { try batch.create(entity) } }
    }

    /// Changes a record in place: `change` gets the stored record, read in the same write
    /// transaction, and only the fields it changes are written (they get new stamps). A field that
    /// a sync changed meanwhile is never reverted. Returns the changed field names.
    ///
    ///     try store.accounts.update(id: "acme") { $0.owner = "lee" }
    @discardableResult
    public func update(id: String, _ change: (inout Entity) throws -> Void) throws -> [String] {
        try store.batch { try $0.update(id: id, change) }
    }

    /// Saves a screen: writes the fields where `edited` differs from `base`, the record as the
    /// screen showed it. A field that changed elsewhere since `base` keeps the person's new value
    /// and the value it overwrote goes into the conflict journal; untouched fields keep whatever
    /// synced meanwhile. Returns the changed field names.
    @discardableResult
    public func update(_ edited: Entity, from base: Entity) throws -> [String] {
        try store.batch { try $0.update(edited, from: base) }
    }

    /// Writes every field of `entity` that differs from the stored record.
    @available(*, deprecated, message: "reverts fields synced since `entity` was read; use update(id:_:) or update(_:from:)")
    @discardableResult
    public func update(_ entity: Entity) throws -> [String] {
        try store.batch { try $0.update(entity) }
    }

    /// Marks the record deleted. Returns false if it already was.
    @discardableResult
    public func delete(id: String) throws -> Bool {
        try store.batch { try $0.delete(Entity.self, id: id) }
    }

    /// Brings a deleted record back, with the latest values of its fields. Returns false if it was not deleted.
    @discardableResult
    public func restore(id: String) throws -> Bool {
        try store.batch { try $0.restore(Entity.self, id: id) }
    }

    public func get(id: String, includeDeleted: Bool = false) throws -> Entity? {
        try store.withCore { core in
            try core.read { try core.rows(Entity.schema.name, includeDeleted: includeDeleted, id: id) }
        }.first.map { try Entity(id: $0.id, fieldValues: $0.values) }
    }

    /// All records ordered by id, optionally only those whose `field` equals `value`.
    public func list(includeDeleted: Bool = false, where field: String? = nil, equals value: FieldValue? = nil) throws -> [Entity] {
        try store.withCore { core in
            try core.read { try core.rows(Entity.schema.name, includeDeleted: includeDeleted, whereField: field, equals: value) }
        }.map { try Entity(id: $0.id, fieldValues: $0.values) }
    }

    /// Whether the record exists and is deleted (nil if it does not exist).
    public func isDeleted(id: String) throws -> Bool? {
        try store.withCore { core in try core.read { try core.rows(Entity.schema.name, includeDeleted: true, id: id) } }.first?.deleted
    }
}

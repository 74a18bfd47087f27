import Foundation
import RapportMerge

/// The entities one build of an app replicates: the built-in ones, plus the fields and entities
/// later app versions added.
///
/// A store opened with a schema adds the tables and columns the file lacks and reads the values it
/// kept for them (see `Store.open(at:schema:)`). Fields added after the first release are optional
/// (`EntitySchema.Field.added`): versions written by older builds lack them and read as null. A
/// replica keeps the fields of known entities that its schema does not know, and forwards them
/// unchanged, so an older build never drops what a newer one wrote.
public struct ReplicaSchema: Hashable, Sendable {
    public let entities: [EntitySchema]
    public let byName: [String: EntitySchema]

    /// The entities of this release, which every replica and server knows.
    public static let builtIn = ReplicaSchema(checked: Entities.all)

    private init(checked entities: [EntitySchema]) {
        self.entities = entities
        self.byName = Dictionary(uniqueKeysWithValues: entities.map { ($0.name, $0) })
    }

    /// The built-in schema plus `additions`: new optional fields of known entities, and new entities.
    ///
    /// Refuses (`.invalidArgument`) a bad name, a field or entity that already exists, and a field
    /// that is required or not of an optional kind.
    public init(adding additions: [SchemaAddition]) throws {
        var schema = ReplicaSchema.builtIn
        for addition in additions { schema = try schema.adding(addition) }
        self = schema
    }

    /// This schema with one more field or entity; see `init(adding:)` for what is refused.
    public func adding(_ addition: SchemaAddition) throws -> ReplicaSchema {
        if let problem = problem(adding: addition) { throw StoreError(code: .invalidArgument, message: problem) }
        var entities = self.entities
        if let position = entities.firstIndex(where: { $0.name == addition.entity }) {
            let old = entities[position]
            entities[position] = EntitySchema(name: old.name, fields: old.fields + addition.fields.map { .added($0.name, $0.kind) })
        } else {
            entities.append(EntitySchema(name: addition.entity, fields: addition.fields.map { .added($0.name, $0.kind) }))
        }
        return ReplicaSchema(checked: entities)
    }

    /// Why `addition` cannot extend this schema, or nil when it can. Messages say what to do instead.
    public func problem(adding addition: SchemaAddition) -> String? {
        guard EntitySchema.isValidName(addition.entity) else {
            return "'\(addition.entity.prefix(64))' is not an entity name: start with a letter, then letters, digits or underscores (64 at most)"
        }
        guard !addition.fields.isEmpty else { return "name at least one field" }
        let existing = byName[addition.entity]
        // SQLite compares table and column names without case: `Tier` beside `tier` cannot be a column.
        if addition.isNewEntity, let clash = entities.first(where: { $0.name.lowercased() == addition.entity.lowercased() }) {
            return "entity '\(clash.name)' already exists; add fields to it with add-field"
        }
        if !addition.isNewEntity, existing == nil {
            return "no entity '\(addition.entity)'; known: \(entities.map(\.name).joined(separator: ", ")) (add a new one with add-entity)"
        }
        var seen = Set((existing?.fields.map(\.name) ?? []).map { $0.lowercased() })
        for field in addition.fields {
            guard EntitySchema.isValidName(field.name), !["id", "deleted"].contains(field.name.lowercased()) else {
                return "'\(field.name.prefix(64))' is not a field name: start with a letter, then letters, digits or underscores (64 at most); not id or deleted"
            }
            guard seen.insert(field.name.lowercased()).inserted else {
                let builtIn = ReplicaSchema.builtIn.byName[addition.entity]?.index[field.name] != nil
                return "\(addition.entity).\(field.name) already exists\(builtIn ? " (a built-in field)" : "")"
            }
            guard field.kind.isOptional, let name = field.kind.name, EntitySchema.Kind.addable[name] != nil else {
                return "\(addition.entity).\(field.name) must be optional (one of \(EntitySchema.Kind.addable.keys.sorted().joined(separator: ", "))): versions from older app builds lack it"
            }
        }
        return nil
    }

    /// Fields and entities this schema has beyond the built-in ones, as additions.
    public var additions: [SchemaAddition] {
        entities.compactMap { entity in
            let builtIn = ReplicaSchema.builtIn.byName[entity.name]
            let added = entity.fields.filter { builtIn?.index[$0.name] == nil }
            guard !added.isEmpty else { return nil }
            return SchemaAddition(entity: entity.name, isNewEntity: builtIn == nil,
                                  fields: added.map { SchemaAddition.Field(name: $0.name, kind: $0.kind) })
        }
    }
}

/// Fields a later app version adds to an entity, or a whole new entity with its fields.
public struct SchemaAddition: Hashable, Sendable {
    public struct Field: Hashable, Sendable {
        public var name: String
        public var kind: EntitySchema.Kind
        public init(name: String, kind: EntitySchema.Kind) {
            self.name = name
            self.kind = kind
        }
    }

    public var entity: String
    /// True for a whole new entity; false for fields added to one that exists.
    public var isNewEntity: Bool
    public var fields: [Field]

    public init(entity: String, isNewEntity: Bool = false, fields: [Field]) {
        self.entity = entity
        self.isNewEntity = isNewEntity
        self.fields = fields
    }

    /// New optional fields of an existing entity.
    public static func fields(_ fields: [(String, EntitySchema.Kind)], of entity: String) -> SchemaAddition {
        SchemaAddition(entity: entity, fields: fields.map { Field(name: $0.0, kind: $0.1) })
    }

    /// A new entity with its (optional) fields.
    public static func entity(_ entity: String, fields: [(String, EntitySchema.Kind)]) -> SchemaAddition {
        SchemaAddition(entity: entity, isNewEntity: true, fields: fields.map { Field(name: $0.0, kind: $0.1) })
    }
}

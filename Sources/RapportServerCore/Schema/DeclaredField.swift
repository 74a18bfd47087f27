import Foundation
import RapportProtocol
import RapportStore

/// One field a workspace's schema declares beyond the built-in ones, as both backends store it:
/// a new optional field of an entity, or a field of a new entity (`newEntity`).
///
/// A workspace's schema is the built-in one plus its declared fields, in declaration order
/// (`ReplicaSchema.declared(_:)`). Declarations only ever add: a field once declared stays, since
/// records already carry it.
public typealias DeclaredField = SchemaResponse.Field

extension DeclaredField {
    /// The rows that declare `addition`.
    public static func rows(of addition: SchemaAddition) -> [DeclaredField] {
        addition.fields.map { DeclaredField(entity: addition.entity, field: $0.name, kind: $0.kind.name ?? "", newEntity: addition.isNewEntity) }
    }
}

extension ReplicaSchema {
    /// The built-in schema plus declared fields, in order; `.corruptDatabase` for rows no
    /// declaration could have written.
    public static func declared(_ rows: [DeclaredField]) throws -> ReplicaSchema {
        var schema = ReplicaSchema.builtIn
        for row in rows {
            guard let kind = EntitySchema.Kind.addable[row.kind] else {
                throw StoreError(code: .corruptDatabase, message: "the declared field \(row.entity.prefix(64)).\(row.field.prefix(64)) has an unknown kind")
            }
            let field = SchemaAddition.Field(name: row.field, kind: kind)
            let addition = SchemaAddition(entity: row.entity, isNewEntity: schema.byName[row.entity] == nil, fields: [field])
            if let problem = schema.problem(adding: addition) {
                throw StoreError(code: .corruptDatabase, message: "a declared field does not fit the workspace's schema: \(problem)")
            }
            schema = try schema.adding(addition)
        }
        return schema
    }

    /// What a server says to a push with a field or entity its workspace's schema lacks.
    static let declareHint = "an operator declares new fields and entities with `rapport server schema add-field` or `add-entity`; GET /v1/workspaces/{workspace}/schema shows the workspace's schema"
}

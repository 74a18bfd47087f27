import Foundation
import PostgresNIO
import RapportServerCore
import RapportStore

extension PostgresStore {
    /// The workspace's schema: the built-in one plus what was declared for it (see `ServerStore.workspaceSchema(_:)`).
    public func workspaceSchema(_ workspace: String) throws -> ReplicaSchema {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { tx in
            if try tx.run("SELECT 1 FROM workspace WHERE name = \(workspace)").isEmpty { throw Self.noWorkspace(workspace) }
            return try ReplicaSchema.declared(try Self.declaredFields(tx, workspace: workspace))
        }
    }

    /// Adds fields or an entity to a workspace's schema (see `ServerStore.declare(_:workspace:now:)`).
    /// The workspace row is locked first, as a push locks it, so a push never sees half a declaration.
    @discardableResult
    public func declare(_ addition: SchemaAddition, workspace: String, now: Date) throws -> ReplicaSchema {
        try transaction { tx in
            if try tx.run("SELECT 1 FROM workspace WHERE name = \(workspace) FOR UPDATE").isEmpty { throw Self.noWorkspace(workspace) }
            let existing = try Self.declaredFields(tx, workspace: workspace)
            let schema = try ReplicaSchema.declared(existing).adding(addition)
            let declaredAt = Self.millis(now)
            for (offset, row) in DeclaredField.rows(of: addition).enumerated() {
                let position = Int64(existing.count + offset)
                _ = try tx.run("""
                    INSERT INTO workspace_field (workspace, position, entity, field, kind, new_entity, declared_at)
                    VALUES (\(workspace), \(position), \(row.entity), \(row.field), \(row.kind), \(row.newEntity), \(declaredAt))
                    """)
            }
            return schema
        }
    }

    static func declaredFields(_ tx: Transaction, workspace: String) throws -> [DeclaredField] {
        try tx.run("SELECT entity, field, kind, new_entity FROM workspace_field WHERE workspace = \(workspace) ORDER BY position").map { row in
            let (entity, field, kind, newEntity) = try row.decode((String, String, String, Bool).self)
            return DeclaredField(entity: entity, field: field, kind: kind, newEntity: newEntity)
        }
    }
}

import Foundation
import RapportStore

extension ServerStore {
    /// The workspace's schema: the built-in one plus what was declared for it. `.notFound` for an
    /// unknown workspace.
    public func workspaceSchema(_ workspace: String) throws -> ReplicaSchema {
        try withDatabase { db in
            try db.inTransaction(.deferred) {
                _ = try Self.requireNextSequence(db, workspace: workspace)
                return try ReplicaSchema.declared(try Self.declaredFields(db, workspace: workspace))
            }
        }
    }

    /// Adds fields (or a new entity) to a workspace's schema, so that pushes carrying them are
    /// accepted; returns the schema after. `.invalidArgument` (saying what to do instead) for an
    /// addition that does not fit, `.notFound` for an unknown workspace.
    @discardableResult
    public func declare(_ addition: SchemaAddition, workspace: String, now: Date) throws -> ReplicaSchema {
        try withDatabase { db in
            try db.inTransaction(.immediate) {
                _ = try Self.requireNextSequence(db, workspace: workspace)
                let existing = try Self.declaredFields(db, workspace: workspace)
                let schema = try ReplicaSchema.declared(existing).adding(addition)
                let insert = try db.cachedStatement("""
                    INSERT INTO workspace_field (workspace, position, entity, field, kind, new_entity, declared_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for (offset, row) in DeclaredField.rows(of: addition).enumerated() {
                    try insert.bind(workspace, at: 1)
                    try insert.bind(Int64(existing.count + offset), at: 2)
                    try insert.bind(row.entity, at: 3)
                    try insert.bind(row.field, at: 4)
                    try insert.bind(row.kind, at: 5)
                    try insert.bind(row.newEntity, at: 6)
                    try insert.bind(Self.millis(now), at: 7)
                    try insert.run()
                    insert.reset()
                }
                return schema
            }
        }
    }

    static func declaredFields(_ db: Database, workspace: String) throws -> [DeclaredField] {
        let statement = try db.cachedStatement("SELECT entity, field, kind, new_entity FROM workspace_field WHERE workspace = ? ORDER BY position")
        try statement.bind(workspace, at: 1)
        defer { statement.reset() }
        var rows: [DeclaredField] = []
        while try statement.step() {
            rows.append(DeclaredField(entity: statement.string(0) ?? "", field: statement.string(1) ?? "",
                                      kind: statement.string(2) ?? "", newEntity: statement.int64(3) != 0))
        }
        return rows
    }
}

import Foundation
import RapportStore

extension ServerStore {
    /// Writes the whole file as a server dump from one read transaction (see
    /// `ServerDatabase.exportDump(to:)`).
    ///
    /// A server running on the same file in another process carries on (WAL readers do not block
    /// writers); calls on this `ServerStore` wait until the export ends. Each table is read by one
    /// statement stepped a row at a time, which is SQLite's paging: nothing is collected.
    public func exportDump(to write: ([UInt8]) throws -> Void) throws -> ServerDumpSummary {
        try withDatabase { db in
            try db.inTransaction(.deferred) {
                var writer = ServerDumpWriter()
                let server = try db.prepare("SELECT epoch, created_at FROM _server")
                guard try server.step(), let epoch = server.string(0) else {
                    throw StoreError(code: .corruptDatabase, message: "the server database \(path) has no epoch")
                }
                let header = ServerDumpHeader(epoch: epoch, createdAtMillis: server.int64(1))
                server.reset()
                try write(ServerDumpWriter.line(for: header))
                var names: [String] = []
                try each(db, "SELECT name, next_sequence, created_at FROM workspace ORDER BY name") { row in
                    let name = row.string(0) ?? ""
                    names.append(name)
                    try write(writer.line(for: .workspace(name: name, nextSequence: row.int64(1), createdAtMillis: row.int64(2))))
                }
                try each(db, "SELECT id, workspace, label, secret_hash, created_at, revoked_at FROM token ORDER BY created_at, id") { row in
                    try write(writer.line(for: .token(id: row.string(0) ?? "", workspace: row.string(1) ?? "", label: row.string(2) ?? "",
                                                      secretHash: row.string(3) ?? "", createdAtMillis: row.int64(4),
                                                      revokedAtMillis: row.isNull(5) ? nil : row.int64(5))))
                }
                for name in names {
                    try each(db, "SELECT entity, field, kind, new_entity, declared_at FROM workspace_field WHERE workspace = ? ORDER BY position", name) { row in
                        try write(writer.line(for: .declaredField(workspace: name, entity: row.string(0) ?? "", field: row.string(1) ?? "",
                                                                  kind: row.string(2) ?? "", newEntity: row.int64(3) != 0, declaredAtMillis: row.int64(4))))
                    }
                    try each(db, "SELECT sequence, entity, id, version FROM record WHERE workspace = ? ORDER BY sequence", name) { row in
                        try write(writer.line(for: .record(workspace: name, sequence: row.int64(0), entity: row.string(1) ?? "",
                                                           id: row.string(2) ?? "", version: row.textBytes(3) ?? [])))
                    }
                    // The feed delivers a record's conflicts by sequence, then as they were stored.
                    try each(db, "SELECT sequence, entity, id, json FROM conflict WHERE workspace = ? ORDER BY sequence, rowid", name) { row in
                        try write(writer.line(for: .conflict(workspace: name, sequence: row.int64(0), entity: row.string(1) ?? "",
                                                             id: row.string(2) ?? "", json: row.textBytes(3) ?? [])))
                    }
                    try each(db, "SELECT last_sequence, tag FROM push_commit WHERE workspace = ? ORDER BY last_sequence", name) { row in
                        try write(writer.line(for: .pushCommit(workspace: name, lastSequence: row.int64(0), tag: row.string(1) ?? "")))
                    }
                }
                try write(writer.trailer())
                return writer.summary
            }
        }
    }

    /// Loads a server dump into this file in one write transaction (see
    /// `ServerDatabase.importDump(from:)`); the file's own epoch gives way to the dump's.
    public func importDump(from reader: ServerDumpReader) throws -> ServerDumpSummary {
        try withDatabase { db in
            try db.inTransaction(.immediate) {
                let existing = try db.prepare("SELECT name, (SELECT count(*) FROM workspace) FROM workspace ORDER BY name LIMIT 1")
                if try existing.step() {
                    let refusal = Self.notEmpty(path, workspaces: existing.int64(1), first: existing.string(0) ?? "")
                    existing.reset()
                    throw refusal
                }
                try reader.rewind()
                let header = try reader.readHeader()
                let server = try db.prepare("UPDATE _server SET epoch = ?, created_at = ?")
                try server.bind(header.epoch, at: 1)
                try server.bind(header.createdAtMillis, at: 2)
                try server.run()
                while let row = try reader.next() {
                    do { try Self.insert(row, db) } catch let error as StoreError where error.code == .constraint {
                        throw StoreError(code: .invalidData, message: "line \(reader.lineNumber) of \(reader.path) repeats a record an earlier line holds (the same entity and id in one workspace); nothing was imported")
                    }
                }
                return reader.summary
            }
        }
    }

    /// The refusal of an import into a database that holds data: an import never merges.
    package static func notEmpty(_ location: String, workspaces: Int64, first: String) -> StoreError {
        StoreError(code: .conflict, message: "\(location) already holds \(workspaces) workspace\(workspaces == 1 ? "" : "s") ('\(first)'\(workspaces > 1 ? ", …" : "")); a dump is imported only into an empty database (a new file, or a new PostgreSQL schema): nothing was changed")
    }

    private static func insert(_ row: ServerDumpRow, _ db: Database) throws {
        let statement: Statement
        switch row {
        case let .workspace(name, nextSequence, created):
            statement = try db.cachedStatement("INSERT INTO workspace (name, next_sequence, created_at) VALUES (?, ?, ?)")
            try statement.bind(name, at: 1)
            try statement.bind(nextSequence, at: 2)
            try statement.bind(created, at: 3)
        case let .token(id, workspace, label, secretHash, created, revoked):
            statement = try db.cachedStatement("""
                INSERT INTO token (id, workspace, label, secret_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)
                """)
            try statement.bind(id, at: 1)
            try statement.bind(workspace, at: 2)
            try statement.bind(label, at: 3)
            try statement.bind(secretHash, at: 4)
            try statement.bind(created, at: 5)
            try statement.bind(revoked, at: 6)
        case let .record(workspace, sequence, entity, id, version):
            statement = try db.cachedStatement("INSERT INTO record (workspace, entity, id, sequence, version) VALUES (?, ?, ?, ?, ?)")
            try statement.bind(workspace, at: 1)
            try statement.bind(entity, at: 2)
            try statement.bind(id, at: 3)
            try statement.bind(sequence, at: 4)
            try statement.bind(text: version, at: 5)
        case let .conflict(workspace, sequence, entity, id, json):
            statement = try db.cachedStatement("INSERT INTO conflict (workspace, sequence, entity, id, json) VALUES (?, ?, ?, ?, ?)")
            try statement.bind(workspace, at: 1)
            try statement.bind(sequence, at: 2)
            try statement.bind(entity, at: 3)
            try statement.bind(id, at: 4)
            try statement.bind(text: json, at: 5)
        case let .pushCommit(workspace, lastSequence, tag):
            statement = try db.cachedStatement("INSERT INTO push_commit (workspace, last_sequence, tag) VALUES (?, ?, ?)")
            try statement.bind(workspace, at: 1)
            try statement.bind(lastSequence, at: 2)
            try statement.bind(tag, at: 3)
        case let .declaredField(workspace, entity, field, kind, newEntity, declared):
            statement = try db.cachedStatement("""
                INSERT INTO workspace_field (workspace, position, entity, field, kind, new_entity, declared_at)
                VALUES (?1, (SELECT count(*) FROM workspace_field WHERE workspace = ?1), ?2, ?3, ?4, ?5, ?6)
                """)
            try statement.bind(workspace, at: 1)
            try statement.bind(entity, at: 2)
            try statement.bind(field, at: 3)
            try statement.bind(kind, at: 4)
            try statement.bind(newEntity, at: 5)
            try statement.bind(declared, at: 6)
        }
        defer { statement.reset() }
        try statement.run()
    }

    /// Steps `sql` (bound to `workspace` when given), calling `body` with the statement on each row.
    private func each(_ db: Database, _ sql: String, _ workspace: String? = nil, _ body: (Statement) throws -> Void) throws {
        let statement = try db.cachedStatement(sql)
        if let workspace { try statement.bind(workspace, at: 1) }
        defer { statement.reset() }
        while try statement.step() { try body(statement) }
    }
}

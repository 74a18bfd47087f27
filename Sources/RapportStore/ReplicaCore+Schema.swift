import Foundation
import RapportMerge

extension ReplicaCore {
    // MARK: fields this build does not know

    /// The kept writes of fields this build's schema lacks, of one record (see `ReplicaSchema`).
    func extraFields(_ entity: String, id: String) throws -> [(field: String, write: Stamped<FieldValue>)] {
        let statement = try db.cachedStatement("SELECT field, stamped FROM _extra_fields WHERE entity = ? AND id = ?")
        try statement.bind(entity, at: 1)
        try statement.bind(id, at: 2)
        defer { statement.reset() }
        var found: [(field: String, write: Stamped<FieldValue>)] = []
        while try statement.step() {
            guard let write = try? JSONDecoder().decode(Stamped<FieldValue>.self, from: Data((statement.string(1) ?? "").utf8)) else {
                throw StoreError(code: .corruptDatabase, message: "a kept field of \(entity) \(id) is damaged; restore the file from a backup or re-sync this replica")
            }
            found.append((statement.string(0) ?? "", write))
        }
        return found
    }

    /// Stores the version's writes of fields `schema` lacks; they only ever grow (merge keeps a
    /// field one side lacks), so nothing is deleted here.
    func keepExtraFields(of version: RecordVersion, schema: EntitySchema) throws {
        let statement = try db.cachedStatement("""
            INSERT INTO _extra_fields (entity, id, field, stamped) VALUES (?, ?, ?, ?)
            ON CONFLICT (entity, id, field) DO UPDATE SET stamped = excluded.stamped WHERE stamped <> excluded.stamped
            """)
        for (field, write) in version.fields where schema.index[field] == nil {
            try statement.bind(version.entity, at: 1)
            try statement.bind(version.id, at: 2)
            try statement.bind(field, at: 3)
            try statement.bind(Self.json(write), at: 4)
            try statement.run()
            statement.reset()
        }
    }

    // MARK: upgrading the file to this build's schema

    /// The user tables of the file and their columns.
    private static func tables(_ db: Database) throws -> [String: Set<String>] {
        let names = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'")
        var tables: [String: Set<String>] = [:]
        while try names.step() { tables[names.string(0) ?? ""] = [] }
        for name in tables.keys {
            let columns = try db.prepare("SELECT name FROM pragma_table_info(?)")
            try columns.bind(name, at: 1)
            while try columns.step() { tables[name]?.insert(columns.string(0) ?? "") }
        }
        return tables
    }

    /// Refuses a file a newer build upgraded (a table or column this schema lacks): this build
    /// would write rows without the newer fields' metadata and lose them.
    static func refuseNewerFile(_ db: Database, schema: ReplicaSchema) throws {
        for (table, columns) in try tables(db) {
            guard let entity = schema.byName[table] else {
                throw StoreError(code: .conflict, message: """
                    this replica was upgraded by a newer app version (it has entity '\(table)', which this build does not know); \
                    open it with that version. The file was not modified
                    """)
            }
            if let column = columns.sorted().first(where: { $0 != "id" && !$0.hasPrefix("_") && entity.index[$0] == nil }) {
                throw StoreError(code: .conflict, message: """
                    this replica was upgraded by a newer app version (it has field \(table).\(column), which this build does not know); \
                    open it with that version. The file was not modified
                    """)
            }
        }
    }

    /// Brings the file up to this build's schema in one transaction: creates the tables and
    /// columns it lacks, moves kept writes of fields it now knows into their columns, and merges
    /// the kept versions it can now read. Returns how many records changed; opening a file that
    /// needs nothing takes no write lock.
    @discardableResult
    func upgradeToSchema() throws -> Int {
        let (tables, promotable, unreadable) = try read {
            (try Self.tables(db), try promotableExtras(), try unreadableCount())
        }
        let missing = schema.entities.filter { entity in
            guard let columns = tables[entity.name] else { return true }
            return entity.fields.contains { !columns.contains($0.name) }
        }
        guard !missing.isEmpty || !promotable.isEmpty || unreadable > 0 else { return 0 }
        return try write {
            let tables = try Self.tables(db)
            for entity in schema.entities {
                guard let columns = tables[entity.name] else {
                    try createTable(entity)
                    continue
                }
                for field in entity.fields where !columns.contains(field.name) {
                    try db.execute("ALTER TABLE \"\(entity.name)\" ADD COLUMN \"\(field.name)\" \(field.kind.sqlType)")
                }
            }
            var changed = 0
            let delete = try db.cachedStatement("DELETE FROM _extra_fields WHERE entity = ? AND id = ? AND field = ?")
            for (entity, id) in try promotableExtras() {
                guard let (version, _) = try loadStored(entity, id: id) else { continue }
                let known = try entitySQL(entity).schema
                let promoted = try extraFields(entity, id: id).map(\.field).filter { known.index[$0] != nil }
                // Written as a merge over the version without them: their columns and metadata get set.
                var before = version
                for name in promoted { before.fields[name] = nil }
                try storeVersion(version, .merged(over: before))
                for name in promoted {
                    try delete.bind(entity, at: 1)
                    try delete.bind(id, at: 2)
                    try delete.bind(name, at: 3)
                    try delete.run()
                    delete.reset()
                }
                changed += 1
            }
            return changed + (try retryUnreadable())
        }
    }

    /// Records with kept writes of fields this schema now knows.
    private func promotableExtras() throws -> [(entity: String, id: String)] {
        let statement = try db.cachedStatement("SELECT entity, id, field FROM _extra_fields ORDER BY entity, id")
        defer { statement.reset() }
        var found: [(entity: String, id: String)] = []
        while try statement.step() {
            let entity = statement.string(0) ?? "", id = statement.string(1) ?? ""
            guard schema.byName[entity]?.index[statement.string(2) ?? ""] != nil else { continue }
            if found.last.map({ $0.entity == entity && $0.id == id }) != true { found.append((entity, id)) }
        }
        return found
    }

    private func createTable(_ entity: EntitySchema) throws {
        let columns = entity.fields.map { "\"\($0.name)\" \($0.kind.sqlType)" }
        try db.execute("""
            CREATE TABLE "\(entity.name)" (
                id TEXT PRIMARY KEY NOT NULL, \(columns.joined(separator: ", ")),
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL, _seq INTEGER NOT NULL DEFAULT 0, _pending INTEGER
            )
            """)
    }
}

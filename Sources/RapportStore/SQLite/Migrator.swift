/// Brings a database file to the current schema, after checking that the file is ours.
///
/// `prepare` reads only the header (`application_id`, `user_version`) and `sqlite_schema` before
/// deciding anything, so a foreign, damaged or newer file is refused with nothing written: not the
/// journal mode, not the schema. Each pending migration then runs in its own transaction together
/// with the `user_version` bump that records it, so a crash leaves the file at a known version.
///
/// No `quick_check` runs on open: it reads every page, and opening a large healthy file must stay
/// fast. SQLite itself refuses a header that claims more pages than the file holds (a truncated
/// file), and a damaged page surfaces as `.corruptDatabase` when it is read.
package struct Migrator: Sendable {
    /// The value stamped into `PRAGMA application_id`, telling our files from anyone else's.
    package let applicationID: Int32
    /// The schema history, versions 1…n in order.
    package let migrations: [Migration]

    /// - Precondition: `applicationID` is not 0 and migration versions run 1, 2, … without gaps.
    package init(applicationID: Int32, migrations: [Migration]) {
        precondition(applicationID != 0, "application id 0 is what every non-Rapport SQLite file has")
        for (offset, migration) in migrations.enumerated() {
            precondition(
                migration.version == offset + 1,
                "migration \"\(migration.name)\" has version \(migration.version), expected \(offset + 1)"
            )
        }
        self.applicationID = applicationID
        self.migrations = migrations
    }

    /// Verifies `db` is a Rapport database this build understands (or an empty file), switches it
    /// to WAL and applies pending migrations. Running it on an up-to-date file changes nothing.
    package func prepare(_ db: Database) throws {
        let foundApplicationID: Int64
        let foundVersion: Int64
        let objectCount: Int64
        do {
            foundApplicationID = try db.pragma("application_id") ?? 0
            foundVersion = try db.pragma("user_version") ?? 0
            let statement = try db.prepare("SELECT count(*) FROM sqlite_schema")
            objectCount = try statement.step() ? statement.int64(0) : 0
        } catch let error as StoreError where error.code == .notADatabase {
            throw StoreError(
                code: .notADatabase,
                message: "\(db.path) is not a Rapport database (not an SQLite file at all): "
                    + "check the --db path; the file was not modified",
                sqliteCode: error.sqliteCode,
                sql: error.sql
            )
        } catch let error as StoreError where error.code == .corruptDatabase {
            throw StoreError(
                code: .corruptDatabase,
                message: "\(db.path) is damaged (\(error.message)): restore it from a backup, or move it "
                    + "aside and sync again from the server; the file was not modified",
                sqliteCode: error.sqliteCode,
                sql: error.sql
            )
        }

        let isEmpty = foundApplicationID == 0 && foundVersion == 0 && objectCount == 0
        guard isEmpty || foundApplicationID == Int64(applicationID) else {
            let reason = foundApplicationID == 0
                ? "no Rapport application id"
                : "application id \(foundApplicationID), Rapport's is \(applicationID)"
            throw StoreError(
                code: .notARapportDatabase,
                message: "\(db.path) is not a Rapport database (\(reason)): "
                    + "check the --db path; the file was not modified"
            )
        }
        guard foundVersion <= Int64(migrations.count) else {
            throw StoreError(
                code: .newerSchema,
                message: "\(db.path) was written by a newer Rapport (schema \(foundVersion), "
                    + "this build knows \(migrations.count)): upgrade rapport; the file was not modified"
            )
        }
        guard foundVersion >= 0 else {
            throw StoreError(
                code: .corruptDatabase,
                message: "\(db.path) has an impossible schema version \(foundVersion): "
                    + "restore it from a backup; the file was not modified"
            )
        }

        try db.configureForWrites()
        for migration in migrations where migration.version > foundVersion {
            try apply(migration, to: db)
        }
    }

    private func apply(_ migration: Migration, to db: Database) throws {
        do {
            try db.inTransaction(.immediate) {
                // Another process may have migrated since the header was read; the write lock
                // taken by BEGIN IMMEDIATE makes this second look authoritative.
                guard (try db.pragma("user_version") ?? 0) < Int64(migration.version) else { return }
                try db.execute(migration.sql)
                if migration.version == 1 {
                    try db.execute("PRAGMA application_id = \(applicationID)")
                }
                try db.execute("PRAGMA user_version = \(migration.version)")
            }
        } catch let error as StoreError {
            throw StoreError(
                code: error.code,
                message: "migration \(migration.version) (\(migration.name)) failed and was rolled back: "
                    + error.message,
                sqliteCode: error.sqliteCode,
                sql: error.sql
            )
        }
    }
}

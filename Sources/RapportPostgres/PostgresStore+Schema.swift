import Foundation
import Logging
import PostgresNIO
import RapportStore

/// Brings a schema up to `PostgresMigrations.all` and returns its epoch.
///
/// One transaction under a transaction-scoped advisory lock, so processes starting together migrate
/// once and wait for each other. Refuses, changing nothing, a schema that holds tables Rapport did
/// not create, or one migrated by a newer Rapport.
struct MigrationRunner {
    let pool: PostgresPool
    let schema: String
    let logger: Logger

    /// An arbitrary constant naming Rapport's migration lock among the database's advisory locks.
    static let lockKey: Int64 = 0x5241_5053_4D49_4752

    func run() throws -> String {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try pool.withConnection { connection in
                    let tx = PostgresStore.Transaction(connection: connection, logger: logger)
                    _ = try tx.run("BEGIN")
                    do {
                        let epoch = try migrate(tx)
                        _ = try tx.run("COMMIT")
                        return epoch
                    } catch {
                        if !connection.isClosed { _ = try? tx.run("ROLLBACK") }
                        throw error
                    }
                }
            } catch let error as StoreError {
                throw error
            } catch {
                guard PostgresFailure.isTransient(error), attempt < PostgresStore.attempts else {
                    throw StoreError(code: PostgresFailure.isTransient(error) ? .busy : .database,
                                     message: "cannot open the PostgreSQL database \(pool.location.redacted): \(PostgresFailure.describe(error)); check the URL, that PostgreSQL runs, and that the user may create tables")
                }
                Thread.sleep(forTimeInterval: 0.2 * Double(attempt))
            }
        }
    }

    private func migrate(_ tx: PostgresStore.Transaction) throws -> String {
        _ = try tx.run("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
        _ = try tx.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"))
        let tables = try tx.run("SELECT table_name FROM information_schema.tables WHERE table_schema = \(schema)")
            .map { try $0.decode(String.self) }
        if !tables.isEmpty, !tables.contains("rapport_migration") {
            throw StoreError(code: .notARapportDatabase, message: "schema '\(schema)' of \(pool.location.redacted) already holds tables Rapport did not create (\(tables.sorted().prefix(3).joined(separator: ", "))); point --postgres at another database or add ?schema=rapport")
        }
        _ = try tx.run("""
            CREATE TABLE IF NOT EXISTS rapport_migration (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = try tx.run("SELECT coalesce(max(version), 0) FROM rapport_migration").first?.decode(Int32.self) ?? 0
        let known = PostgresMigrations.all.last?.version ?? 0
        if Int(applied) > known {
            throw StoreError(code: .newerSchema, message: "the PostgreSQL schema '\(schema)' was migrated by a newer Rapport (version \(applied), this build knows \(known)); upgrade rapport")
        }
        for step in PostgresMigrations.all where step.version > Int(applied) {
            for statement in step.statements { _ = try tx.run(PostgresQuery(unsafeSQL: statement)) }
            _ = try tx.run("INSERT INTO rapport_migration (version, name) VALUES (\(Int32(step.version)), \(step.name))")
            logger.info("postgres schema migrated", metadata: ["version": "\(step.version)", "schema": "\(schema)"])
        }
        if let epoch = try tx.run("SELECT epoch FROM rapport_server").first?.decode(String.self) { return epoch }
        let epoch = UUID().uuidString.lowercased()
        _ = try tx.run("INSERT INTO rapport_server (singleton, epoch, created_at) VALUES (1, \(epoch), \(PostgresStore.millis(Date())))")
        return epoch
    }
}

extension PostgresStore {
    /// Tests and tools only: drops this store's schema with everything in it, then closes.
    package func dropSchema() throws {
        guard schema != "public" else {
            throw StoreError(code: .invalidArgument, message: "refusing to drop the public schema")
        }
        try transaction(nil) { tx in _ = try tx.run(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE")) }
        close()
    }
}

extension PostgresStore {
    /// Tests and tools only: runs one statement and returns its first column as integers (empty
    /// for a statement without rows; non-integer columns are skipped).
    package func integers(unsafeSQL sql: String) throws -> [Int64] {
        try transaction(nil) { tx in
            try tx.run(PostgresQuery(unsafeSQL: sql)).compactMap { row in
                (try? row.decode(Int64.self)) ?? (try? row.decode(Int32.self)).map(Int64.init)
            }
        }
    }
}

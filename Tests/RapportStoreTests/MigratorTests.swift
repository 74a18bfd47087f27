import Foundation
@testable import RapportStore
import Testing

/// Each test gets its own directory, removed when the test's instance goes away.
@Suite final class MigratorTests {
    private static let applicationID: Int32 = 0x5241_5054
    private static let migrations = [
        Migration(version: 1, name: "accounts", sql: """
            CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE INDEX account_name ON account (name);
            """),
        Migration(version: 2, name: "notes", sql: "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"),
    ]
    private let migrator = Migrator(applicationID: MigratorTests.applicationID, migrations: MigratorTests.migrations)
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("MigratorTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String = "test.db") -> String {
        directory.appendingPathComponent(name).path
    }

    private func text(_ db: Database, _ sql: String) throws -> String? {
        let statement = try db.prepare(sql)
        return try statement.step() ? statement.string(0) : nil
    }

    /// Opens `file` and prepares it, asserting the attempt leaves its bytes exactly as they were.
    private func prepareExpectingFailure(_ file: String) throws -> StoreError? {
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        let error = #expect(throws: StoreError.self) {
            let db = try Database(path: file, create: false)
            try self.migrator.prepare(db)
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(before == after, "a refused file must not be modified")
        return error
    }

    private func makeRapportFile(rows: Int = 0) throws -> String {
        let file = path()
        let db = try Database(path: file, create: true)
        try migrator.prepare(db)
        try db.inTransaction {
            let insert = try db.cachedStatement("INSERT INTO account (name) VALUES (?)")
            for row in 0..<rows {
                let statement = try db.cachedStatement("INSERT INTO account (name) VALUES (?)")
                #expect(statement === insert)
                try statement.bind("customer \(row) " + String(repeating: "x", count: 200), at: 1)
                try statement.run()
            }
        }
        db.close()
        return file
    }

    // MARK: Fresh and current files

    @Test func aFreshFileGetsTheApplicationIDTheLatestVersionAndWAL() throws {
        let db = try Database(path: path(), create: true)
        try migrator.prepare(db)
        #expect(try db.pragma("application_id") == Int64(Self.applicationID))
        #expect(try db.pragma("user_version") == 2)
        #expect(try text(db, "PRAGMA journal_mode") == "wal")
        #expect(try db.pragma("foreign_keys") == 1)
        #expect(try text(db, "SELECT name FROM sqlite_schema WHERE name = 'note'") == "note")
    }

    @Test func preparingAnUpToDateFileTwiceChangesNothing() throws {
        let file = try makeRapportFile(rows: 3)
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        for _ in 0..<2 {
            let db = try Database(path: file, create: false)
            try migrator.prepare(db)
            #expect(try db.pragma("user_version") == 2)
            #expect(try text(db, "SELECT count(*) FROM account") == "3")
            db.close()
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
    }

    @Test func anOlderFileIsMigratedForward() throws {
        let file = path()
        let old = Migrator(applicationID: Self.applicationID, migrations: [Self.migrations[0]])
        let db = try Database(path: file, create: true)
        try old.prepare(db)
        #expect(try db.pragma("user_version") == 1)
        try migrator.prepare(db)
        #expect(try db.pragma("user_version") == 2)
    }

    @Test func aFailingMigrationRollsBackAndLeavesThePreviousVersion() throws {
        let broken = Migrator(applicationID: Self.applicationID, migrations: Self.migrations + [
            Migration(version: 3, name: "broken", sql: """
                CREATE TABLE crisis (id INTEGER PRIMARY KEY);
                INSERT INTO no_such_table VALUES (1);
                """),
        ])
        let db = try Database(path: path(), create: true)
        let error = #expect(throws: StoreError.self) { try broken.prepare(db) }
        #expect(error?.message.contains("migration 3 (broken)") == true)
        #expect(try db.pragma("user_version") == 2)
        #expect(try text(db, "SELECT name FROM sqlite_schema WHERE name = 'crisis'") == nil)
        #expect(try text(db, "SELECT name FROM sqlite_schema WHERE name = 'note'") == "note")
    }

    // MARK: Files that are not ours, or not usable

    @Test func randomBytesAreNotADatabase() throws {
        let file = path()
        var generator = SystemRandomNumberGenerator()
        try Data((0..<65_536).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            .write(to: URL(fileURLWithPath: file))
        let error = try prepareExpectingFailure(file)
        #expect(error?.code == .notADatabase)
        #expect(error?.message.contains("check the --db path") == true)
    }

    /// A zeroed file has no "SQLite format 3" header yet is not empty, so SQLite reports
    /// SQLITE_NOTADB: it is `.notADatabase`, never taken for a fresh file to initialize.
    @Test func zeroedBytesAreNotADatabase() throws {
        let file = path()
        try Data(count: 65_536).write(to: URL(fileURLWithPath: file))
        let error = try prepareExpectingFailure(file)
        #expect(error?.code == .notADatabase)
    }

    @Test func anotherApplicationsSQLiteFileIsNotARapportDatabase() throws {
        let file = path()
        let foreign = try Database(path: file, create: true)
        try foreign.execute("CREATE TABLE recipe (id INTEGER PRIMARY KEY, title TEXT)")
        foreign.close()

        let error = try prepareExpectingFailure(file)
        #expect(error?.code == .notARapportDatabase)
        #expect(error?.message.contains("no Rapport application id") == true)
    }

    @Test func aFileWithAnotherApplicationIDIsNotARapportDatabase() throws {
        let file = path()
        let foreign = try Database(path: file, create: true)
        try foreign.execute("PRAGMA application_id = 42")
        foreign.close()

        let error = try prepareExpectingFailure(file)
        #expect(error?.code == .notARapportDatabase)
    }

    @Test func aFileFromANewerRapportNamesBothSchemaVersions() throws {
        let file = try makeRapportFile()
        let db = try Database(path: file, create: false)
        try db.execute("PRAGMA user_version = 7")
        db.close()

        let error = try prepareExpectingFailure(file)
        #expect(error?.code == .newerSchema)
        #expect(error?.message.contains("schema 7") == true)
        #expect(error?.message.contains("knows 2") == true)
    }

    /// SQLite compares the page count in the header with the file's size on the first read, so a
    /// truncated file is refused before any page is used.
    @Test func aTruncatedFileIsCorrupt() throws {
        let file = try makeRapportFile(rows: 2_000)
        let url = URL(fileURLWithPath: file)
        let full = try Data(contentsOf: url)
        #expect(full.count > 100 * 4096)
        try full.prefix(full.count / 2).write(to: url)

        let error = try prepareExpectingFailure(file)
        #expect(error?.code == .corruptDatabase)
        #expect(error?.message.contains("restore it from a backup") == true)
    }
}

import Foundation
@testable import RapportStore
import Testing

/// Each test gets its own directory, removed when the test's instance goes away.
@Suite final class DatabaseTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("DatabaseTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String = "test.db") -> String {
        directory.appendingPathComponent(name).path
    }

    private func makeDatabase() throws -> Database {
        let db = try Database(path: path(), create: true)
        try db.configureForWrites()
        try db.execute("CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        return db
    }

    private func count(_ db: Database) throws -> Int64 {
        let statement = try db.prepare("SELECT count(*) FROM account")
        #expect(try statement.step())
        return statement.int64(0)
    }

    @Test func dataWrittenBeforeClosingIsThereAfterReopening() throws {
        let db = try makeDatabase()
        let insert = try db.prepare("INSERT INTO account (name) VALUES (?)")
        try insert.bind("Acme", at: 1)
        try insert.run()
        #expect(db.changes == 1)
        #expect(db.lastInsertRowID == 1)
        db.close()
        db.close()

        let reopened = try Database(path: path(), create: false)
        let select = try reopened.prepare("SELECT id, name FROM account")
        #expect(try select.step())
        #expect(select.int64(0) == 1)
        #expect(select.string(1) == "Acme")
        #expect(try !select.step())
    }

    @Test func aSecondConnectionSeesCommittedRowsButNotUncommittedOnes() throws {
        let writer = try makeDatabase()
        let reader = try Database(path: path(), create: false)

        try writer.inTransaction {
            try writer.execute("INSERT INTO account (name) VALUES ('Acme')")
            #expect(try count(writer) == 1)
            #expect(try count(reader) == 0)
        }
        #expect(try count(reader) == 1)
    }

    @Test func aThrowingTransactionBodyLeavesNothingBehind() throws {
        struct Abort: Error {}
        let db = try makeDatabase()
        #expect(throws: Abort.self) {
            try db.inTransaction {
                try db.execute("INSERT INTO account (name) VALUES ('Acme')")
                throw Abort()
            }
        }
        #expect(try count(db) == 0)
        // The connection is usable afterwards: the transaction really ended.
        try db.inTransaction { try db.execute("INSERT INTO account (name) VALUES ('Globex')") }
        #expect(try count(db) == 1)
    }

    @Test func aNestedTransactionThatThrowsUndoesOnlyItsOwnWork() throws {
        struct Abort: Error {}
        let db = try makeDatabase()
        try db.inTransaction {
            try db.execute("INSERT INTO account (name) VALUES ('Acme')")
            #expect(throws: Abort.self) {
                try db.inTransaction {
                    try db.execute("INSERT INTO account (name) VALUES ('Globex')")
                    throw Abort()
                }
            }
        }
        #expect(try count(db) == 1)
    }

    @Test func aTransactionOpenedByHandIsRefused() throws {
        let db = try makeDatabase()
        try db.execute("BEGIN")
        let error = #expect(throws: StoreError.self) { try db.inTransaction {} }
        #expect(error?.code == .invalidArgument)
    }

    @Test func aCachedStatementComesBackResetWithFreshBindings() throws {
        let db = try makeDatabase()
        let sql = "INSERT INTO account (name) VALUES (?)"
        let first = try db.cachedStatement(sql)
        try first.bind("Acme", at: 1)
        try first.run()

        let select = try db.cachedStatement("SELECT name FROM account ORDER BY id")
        #expect(try select.step())
        // Left mid-iteration on purpose: the cache must rewind it.

        let second = try db.cachedStatement(sql)
        #expect(second === first)
        try second.bind("Globex", at: 1)
        try second.run()

        let again = try db.cachedStatement("SELECT name FROM account ORDER BY id")
        var names: [String] = []
        while try again.step() {
            names.append(again.string(0) ?? "")
        }
        #expect(names == ["Acme", "Globex"])
    }

    @Test func aCachedStatementHasItsBindingsCleared() throws {
        let db = try Database(path: path(), create: true)
        let first = try db.cachedStatement("SELECT ?")
        try first.bind(Int64(7), at: 1)
        #expect(try first.step())
        #expect(first.int64(0) == 7)
        let reused = try db.cachedStatement("SELECT ?")
        #expect(try reused.step())
        #expect(reused.isNull(0))
    }

    @Test func aConstraintViolationIsReportedWithItsSQLButWithoutTheBoundValue() throws {
        let db = try makeDatabase()
        let secret = "Confidential Customer GmbH"
        let sql = "INSERT INTO account (name) VALUES (?)"
        let insert = try db.prepare(sql)
        try insert.bind(secret, at: 1)
        try insert.run()
        insert.reset()

        let error = #expect(throws: StoreError.self) { try insert.run() }
        #expect(error?.code == .constraint)
        #expect(error?.sql == sql)
        #expect(error?.description.contains(sql) == true)
        #expect(error?.description.contains(secret) == false)
        #expect(error?.message.contains(secret) == false)
    }

    @Test func valuesOfEveryStorageClassRoundTrip() throws {
        let db = try Database(path: path(), create: true)
        try db.execute("CREATE TABLE value (v)")
        let values: [SQLiteValue] = [
            .null, .integer(Int64.min), .real(0.25), .text(""), .text("Zoë 🚀"), .blob(Data()), .blob(Data([0, 1, 255])),
        ]
        let insert = try db.prepare("INSERT INTO value (v) VALUES (?)")
        for value in values {
            insert.reset()
            try insert.bind([value])
            try insert.run()
        }
        let select = try db.prepare("SELECT v FROM value ORDER BY rowid")
        var read: [SQLiteValue] = []
        while try select.step() {
            read.append(select.value(0))
        }
        #expect(read == values)
    }

    @Test func bindingTheWrongNumberOfValuesIsRefused() throws {
        let db = try Database(path: path(), create: true)
        let statement = try db.prepare("SELECT ?, ?")
        let error = #expect(throws: StoreError.self) { try statement.bind([.integer(1)]) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func prepareRefusesASecondStatementButAcceptsATrailingComment() throws {
        let db = try Database(path: path(), create: true)
        let error = #expect(throws: StoreError.self) { try db.prepare("SELECT 1; SELECT 2") }
        #expect(error?.code == .invalidArgument)
        _ = try db.prepare("SELECT 1; -- done\n")
    }

    @Test func openingAMissingFileWithoutCreateIsFileNotFound() throws {
        let missing = path("missing.db")
        let error = #expect(throws: StoreError.self) { try Database(path: missing, create: false) }
        #expect(error?.code == .fileNotFound)
        #expect(error?.message.contains(missing) == true)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func aClosedConnectionRefusesWork() throws {
        let db = try Database(path: path(), create: true)
        db.close()
        let error = #expect(throws: StoreError.self) { try db.execute("SELECT 1") }
        #expect(error?.code == .invalidArgument)
    }
}

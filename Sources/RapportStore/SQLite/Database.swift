import CSQLite
import Foundation

/// One SQLite connection to a Rapport database file.
///
/// Opening does not change the file: journal mode and schema are left to `Migrator`, which first
/// checks that the file is ours. The connection is confined to one thread at a time, which the
/// type states by not being Sendable; share it only through a serializing façade.
package final class Database {
    /// The path given to `init`, for error messages.
    package let path: String
    private var handle: OpaquePointer?
    private var statementCache: [String: Statement] = [:]
    private var transactionDepth = 0
    /// The tables statements read and write; see `AccessTracker`.
    package let tracker = AccessTracker()

    /// Opens `path`, creating an empty file only when `create` is true.
    package init(path: String, create: Bool) throws {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw StoreError(
                code: .fileNotFound,
                message: "no database at \(path): check the path, or create one first"
            )
        }
        // NOMUTEX: the type system already keeps the connection on one thread at a time.
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create {
            flags |= SQLITE_OPEN_CREATE
        }
        var opened: OpaquePointer?
        let resultCode = sqlite3_open_v2(path, &opened, flags, nil)
        guard resultCode == SQLITE_OK, let opened else {
            let detail = opened.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
                ?? String(cString: sqlite3_errstr(resultCode))
            // Even a failed open allocates a handle that must be closed.
            sqlite3_close_v2(opened)
            throw StoreError(
                resultCode: resultCode,
                message: "cannot open \(path) (\(detail)): check that the directory exists and is writable",
                sql: nil
            )
        }
        handle = opened
        tracker.install(on: opened)
        do {
            try check(sqlite3_extended_result_codes(opened, 1), sql: nil)
            try check(sqlite3_busy_timeout(opened, 5000), sql: nil)
            // Does not read the file, so a foreign or damaged file is still untouched here.
            try execute("PRAGMA foreign_keys = ON")
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Finalizes cached statements and closes the connection; calling it again does nothing.
    ///
    /// A statement from `prepare` that is still alive keeps the connection open underneath until it
    /// is released (sqlite3_close_v2), so no statement is ever left pointing at freed memory.
    package func close() {
        guard let handle else { return }
        statementCache.removeAll()
        AccessTracker.uninstall(from: handle)
        self.handle = nil
        let resultCode = sqlite3_close_v2(handle)
        // close_v2 only fails for an invalid handle, which `handle` cannot be.
        assert(resultCode == SQLITE_OK, "sqlite3_close_v2 failed with \(resultCode)")
    }

    // MARK: SQL

    /// Runs a script of one or more statements without results.
    package func execute(_ sql: String) throws {
        let connection = try openHandle(sql: sql)
        var errorMessage: UnsafeMutablePointer<CChar>?
        let resultCode = sqlite3_exec(connection, sql, nil, nil, &errorMessage)
        defer { sqlite3_free(errorMessage) }
        guard resultCode == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) }
                ?? String(cString: sqlite3_errmsg(connection))
            throw StoreError(resultCode: resultCode, message: message, sql: sql)
        }
        // Outside a transaction (or at its COMMIT) what the script wrote is now durable.
        if sqlite3_get_autocommit(connection) != 0 { tracker.committed() }
    }

    /// Prepares exactly one statement; the caller owns it.
    package func prepare(_ sql: String) throws -> Statement {
        try Statement(connection: openHandle(sql: sql), sql: sql, persistent: false, tracker: tracker)
    }

    /// Returns this connection's prepared statement for `sql`, reset and with its bindings cleared.
    ///
    /// The statement is shared: preparing the same SQL again while iterating it would rewind it.
    package func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try Statement(connection: openHandle(sql: sql), sql: sql, persistent: true, tracker: tracker)
        statementCache[sql] = statement
        return statement
    }

    /// Reads a pragma's first value, or nil when it returns no row or NULL.
    package func pragma(_ name: String) throws -> Int64? {
        // The name is spliced into SQL, so allow only an optionally schema-qualified identifier.
        let isIdentifier = !name.isEmpty && name.split(separator: ".", omittingEmptySubsequences: false).count <= 2
            && name.allSatisfy { $0 == "_" || $0 == "." || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            && !name.hasPrefix(".") && !name.hasSuffix(".")
        guard isIdentifier else {
            throw StoreError(code: .invalidArgument, message: "\"\(name)\" is not a pragma name")
        }
        let statement = try prepare("PRAGMA \(name)")
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE; 0 once closed.
    package var changes: Int {
        handle.map { Int(sqlite3_changes64($0)) } ?? 0
    }

    /// The rowid of the most recent successful INSERT; 0 once closed.
    package var lastInsertRowID: Int64 {
        handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Switches to WAL with synchronous=NORMAL; `Migrator` calls this only after verifying the file.
    ///
    /// WAL lets readers (a second connection, a sync pull) run during a write, and NORMAL keeps every
    /// committed transaction across a process crash; only an OS crash may lose the last commits.
    package func configureForWrites() throws {
        let connection = try openHandle(sql: nil)
        let statement = try prepare("PRAGMA journal_mode = WAL")
        let mode = try statement.step() ? statement.string(0)?.lowercased() : nil
        statement.reset()
        // An in-memory database (empty file name) has no WAL and stays in "memory" mode.
        let isInMemory = sqlite3_db_filename(connection, "main").map { $0.pointee == 0 } ?? true
        guard mode == "wal" || (isInMemory && mode == "memory") else {
            throw StoreError(
                code: .sqlite,
                message: "\(path) could not switch to WAL journal mode (got \(mode ?? "nothing")): "
                    + "check that the file system supports shared memory and the directory is writable",
                sql: statement.sql
            )
        }
        try execute("PRAGMA synchronous = NORMAL")
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when anything throws.
    ///
    /// A call inside another `inTransaction` becomes a savepoint of the outer transaction (`kind` is
    /// then ignored): its rollback undoes only its own work, and nothing is durable until the
    /// outermost call commits. A transaction opened by hand with `execute("BEGIN")` is refused with
    /// `.invalidArgument`, because its commit would be out of this method's control.
    package func inTransaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        let connection = try openHandle(sql: nil)
        if transactionDepth > 0 {
            return try inSavepoint(body)
        }
        guard sqlite3_get_autocommit(connection) != 0 else {
            throw StoreError(
                code: .invalidArgument,
                message: "a transaction is already open outside inTransaction: commit or roll it back first"
            )
        }
        try execute(kind.beginSQL)
        transactionDepth = 1
        defer { transactionDepth = 0 }
        let result: T
        do {
            result = try body()
            try execute("COMMIT")
        } catch {
            tracker.discard()
            rollBack(connection)
            throw error
        }
        return result
    }

    /// Runs `body` and returns the tables its statements read, for an observed query.
    package func trackingReads<T>(_ body: () throws -> T) rethrows -> (T, Set<String>) {
        let outer = tracker.reads
        tracker.reads = []
        defer { tracker.reads = outer.map { $0.union(tracker.reads ?? []) } }
        let result = try body()
        return (result, tracker.reads ?? [])
    }

    /// Whether SQLite still has a transaction open on this connection. Some failures (a full disk,
    /// an I/O error) make SQLite roll the whole transaction back by itself, savepoints included.
    package var isInTransaction: Bool {
        guard let handle else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    private func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        let name = "rapport_\(transactionDepth)"
        try execute("SAVEPOINT \(name)")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        let result: T
        do {
            result = try body()
        } catch {
            // Swallowed so the body's error, the real cause, reaches the caller; if this fails, the
            // outer transaction fails too and rolls everything back.
            try? execute("ROLLBACK TO \(name); RELEASE \(name)")
            throw error
        }
        try execute("RELEASE \(name)")
        return result
    }

    /// Replaces this database's whole content with `source`'s, page by page, in one write
    /// transaction (SQLite's online backup API).
    ///
    /// Safe while other connections, in this or other processes, use either file: they see the
    /// old content or the new one, never a mix. Waits up to 10 s for other writers to finish.
    package func replaceContent(with source: Database) throws {
        let destination = try openHandle(sql: nil)
        let origin = try source.openHandle(sql: nil)
        guard let backup = sqlite3_backup_init(destination, "main", origin, "main") else {
            throw StoreError(resultCode: sqlite3_errcode(destination), connection: destination, sql: nil)
        }
        var resultCode: Int32 = SQLITE_OK
        let deadline = Date().addingTimeInterval(10)
        repeat {
            resultCode = sqlite3_backup_step(backup, -1)
            if resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED {
                guard Date() < deadline else { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
        } while resultCode == SQLITE_OK || resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED
        // finish releases the backup's locks and reports the first error of the run, if any.
        let finished = sqlite3_backup_finish(backup)
        if resultCode != SQLITE_DONE {
            throw StoreError(resultCode: resultCode, message: "copying \(source.path) into \(path) failed (\(String(cString: sqlite3_errstr(resultCode))))", sql: nil)
        }
        try check(finished, sql: nil)
        tracker.wroteEverything()
        tracker.committed()
    }

    private func rollBack(_ connection: OpaquePointer) {
        tracker.discard()
        // Some errors (SQLITE_FULL, SQLITE_IOERR, …) already rolled the transaction back.
        guard sqlite3_get_autocommit(connection) == 0 else { return }
        do {
            try execute("ROLLBACK")
        } catch {
            // Leaving a transaction open would make every later write part of it and never commit,
            // so a connection that cannot roll back is closed; the body's error is still thrown.
            close()
        }
    }

    // MARK: Helpers

    private func openHandle(sql: String?) throws -> OpaquePointer {
        guard let handle else {
            throw StoreError(code: .invalidArgument, message: "the connection to \(path) is closed", sql: sql)
        }
        return handle
    }

    private func check(_ resultCode: Int32, sql: String?) throws {
        guard resultCode == SQLITE_OK else {
            throw StoreError(resultCode: resultCode, connection: handle, sql: sql)
        }
    }
}

@available(*, unavailable)
extension Database: Sendable {}

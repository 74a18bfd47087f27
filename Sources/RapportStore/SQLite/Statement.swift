import CSQLite
import Foundation

// SQLite copies text and blobs bound with this destructor, so Swift's buffers may go away as soon
// as the bind call returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One prepared SQL statement of a `Database`.
///
/// Parameter and column indexes follow SQLite: parameters count from 1, columns from 0.
/// Step a query until `step()` returns false, or call `reset()`, so it does not keep a read
/// transaction open. Not Sendable: it belongs to its connection's thread of use.
package final class Statement {
    /// The statement text, for error messages.
    package let sql: String
    private let handle: OpaquePointer
    // Only for reading error messages; close_v2 keeps the connection alive until we finalize.
    private let connection: OpaquePointer
    /// The tables this statement reads and writes (see `AccessTracker`).
    let reads: Set<String>
    let writes: Set<String>
    private let tracker: AccessTracker
    /// Whether it has run since its last reset: its tables are reported once per run.
    private var started = false

    init(connection: OpaquePointer, sql: String, persistent: Bool, tracker: AccessTracker) throws {
        self.sql = sql
        self.connection = connection
        self.tracker = tracker
        tracker.compiling = ([], [])
        defer { tracker.compiling = nil }
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        var prepared: OpaquePointer?
        var trailingStatement = false
        // The tail pointer points into the C string, so it must be inspected while that is alive.
        let resultCode = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let resultCode = sqlite3_prepare_v3(connection, text, -1, flags, &prepared, &tail)
            if resultCode == SQLITE_OK, let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                // Whitespace and comments prepare to nothing; anything else is a second statement.
                if sqlite3_prepare_v3(connection, tail, -1, 0, &next, nil) != SQLITE_OK || next != nil {
                    trailingStatement = true
                }
                sqlite3_finalize(next)
            }
            return resultCode
        }
        (reads, writes) = tracker.compiling ?? ([], [])
        guard resultCode == SQLITE_OK, let prepared else {
            let error = resultCode == SQLITE_OK
                ? StoreError(code: .invalidArgument, message: "the SQL holds no statement", sql: sql)
                : StoreError(resultCode: resultCode, connection: connection, sql: sql)
            sqlite3_finalize(prepared)
            throw error
        }
        guard !trailingStatement else {
            sqlite3_finalize(prepared)
            throw StoreError(
                code: .invalidArgument,
                message: "prepare takes exactly one statement: use execute for a script",
                sql: sql
            )
        }
        handle = prepared
    }

    deinit {
        // finalize repeats the last step's error, which step() already threw.
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    package func bind(_ value: Int64?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try check(sqlite3_bind_int64(handle, index, value))
    }

    package func bind(_ value: Int?, at index: Int32) throws {
        try bind(value.map(Int64.init), at: index)
    }

    package func bind(_ value: Double?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try check(sqlite3_bind_double(handle, index, value))
    }

    package func bind(_ value: Bool?, at index: Int32) throws {
        try bind(value.map { $0 ? Int64(1) : 0 }, at: index)
    }

    package func bind(_ value: String?, at index: Int32) throws {
        guard var value else { return try bindNull(at: index) }
        let resultCode = value.withUTF8 { bytes -> Int32 in
            // A nil base address would bind NULL, so an empty string needs a real pointer.
            guard let base = bytes.baseAddress else {
                return sqlite3_bind_text(handle, index, "", 0, transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text64(handle, index, $0, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
            }
        }
        try check(resultCode)
    }

    package func bind(_ value: Data?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        let resultCode = value.withUnsafeBytes { bytes -> Int32 in
            // A nil base address would bind NULL, so an empty blob is bound as a zero-length blob.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
            return sqlite3_bind_blob64(handle, index, base, UInt64(bytes.count), transient)
        }
        try check(resultCode)
    }

    /// Binds bytes as a blob (copied by SQLite), without going through `Data`.
    package func bind(bytes value: [UInt8], at index: Int32) throws {
        let resultCode = value.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return sqlite3_bind_blob64(handle, index, base, UInt64(bytes.count), transient)
        }
        try check(resultCode)
    }

    /// Binds UTF-8 bytes as text (copied by SQLite), without going through `String`.
    package func bind(text value: [UInt8], at index: Int32) throws {
        let resultCode = value.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_text(handle, index, "", 0, transient) }
            return sqlite3_bind_text64(handle, index, base.assumingMemoryBound(to: CChar.self), UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
        }
        try check(resultCode)
    }

    package func bind(_ value: SQLiteValue, at index: Int32) throws {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let integer): try bind(integer, at: index)
        case .real(let real): try bind(real, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let blob): try bind(blob, at: index)
        }
    }

    /// Binds `values` to parameters 1…n; the count must match the statement's parameters.
    package func bind(_ values: [SQLiteValue]) throws {
        let expected = sqlite3_bind_parameter_count(handle)
        guard values.count == Int(expected) else {
            throw StoreError(
                code: .invalidArgument,
                message: "the statement takes \(expected) parameters but \(values.count) values were given",
                sql: sql
            )
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    package func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Sets every parameter back to NULL.
    package func clearBindings() {
        // sqlite3_clear_bindings always returns SQLITE_OK.
        _ = sqlite3_clear_bindings(handle)
    }

    // MARK: Stepping

    /// Advances to the next row: true when a row is available, false when the statement is done.
    package func step() throws -> Bool {
        if !started {
            started = true
            tracker.statementRan(reads: reads)
        }
        let resultCode = sqlite3_step(handle)
        switch resultCode {
        case SQLITE_ROW:
            // A write with RETURNING may be reset before it is done: count it by its first row.
            if !writes.isEmpty { tracker.statementWrote(writes) }
            return true
        case SQLITE_DONE:
            if !writes.isEmpty, sqlite3_changes64(connection) > 0 {
                tracker.statementWrote(writes)
                // Outside a transaction the statement committed by itself.
                if sqlite3_get_autocommit(connection) != 0 { tracker.committed() }
            }
            return false
        default:
            let error = StoreError(resultCode: resultCode, connection: connection, sql: sql)
            // A failed statement must not keep its transaction or locks until someone reuses it.
            _ = sqlite3_reset(handle)
            throw error
        }
    }

    /// Steps until done, discarding any rows.
    package func run() throws {
        while try step() {}
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    package func reset() {
        started = false
        // sqlite3_reset only repeats the error of the last step, which step() already threw.
        _ = sqlite3_reset(handle)
    }

    // MARK: Columns

    package var columnCount: Int32 {
        sqlite3_column_count(handle)
    }

    package func isNull(_ index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// The column as an integer; NULL reads as 0, so check `isNull` where that matters.
    package func int64(_ index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// The column as a double; NULL reads as 0, so check `isNull` where that matters.
    package func double(_ index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    package func string(_ index: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        // column_bytes must follow column_text: the text conversion can change the byte count.
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column's text as UTF-8 bytes, without going through `String`; nil for NULL.
    package func textBytes(_ index: Int32) -> [UInt8]? {
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        return Array(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index))))
    }

    package func data(_ index: Int32) -> Data? {
        guard !isNull(index) else { return nil }
        // A zero-length blob comes back as a nil pointer, which is an empty value, not NULL.
        guard let bytes = sqlite3_column_blob(handle, index) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, index)))
    }

    /// Lends the column's blob bytes without copying; they are valid only inside `body`.
    package func withBlob<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let bytes = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : count))
    }

    package func value(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer(int64(index))
        case SQLITE_FLOAT: .real(double(index))
        case SQLITE_TEXT: string(index).map(SQLiteValue.text) ?? .null
        case SQLITE_BLOB: .blob(data(index) ?? Data())
        default: .null
        }
    }

    private func check(_ resultCode: Int32) throws {
        guard resultCode == SQLITE_OK else {
            throw StoreError(resultCode: resultCode, connection: connection, sql: sql)
        }
    }
}

@available(*, unavailable)
extension Statement: Sendable {}

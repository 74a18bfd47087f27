import CSQLite

extension StoreError {
    /// Maps an SQLite result code to a store error, taking the message from the connection.
    ///
    /// `sqlite3_errmsg` names tables, columns and constraints but never bound values, which is
    /// why it is safe to carry into `message`.
    package init(resultCode: Int32, connection: OpaquePointer?, sql: String?) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(resultCode))
        self.init(resultCode: resultCode, message: message, sql: sql)
    }

    package init(resultCode: Int32, message: String, sql: String?) {
        let code: Code = switch resultCode & 0xFF {
        case SQLITE_NOTADB: .notADatabase
        case SQLITE_CORRUPT: .corruptDatabase
        case SQLITE_BUSY, SQLITE_LOCKED: .busy
        case SQLITE_CONSTRAINT: .constraint
        case SQLITE_READONLY: .readOnly
        default: .sqlite
        }
        self.init(code: code, message: message, sqliteCode: resultCode, sql: sql)
    }
}

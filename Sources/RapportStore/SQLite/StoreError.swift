/// The one error every RapportStore operation throws.
///
/// Switch on `code` (its set of values may grow); `message` is written for a person and says what to
/// do next. `sql` carries the statement text only, never bound values, so customer names and notes
/// cannot leak into logs or crash reports through an error.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public let code: Code
    /// The extended SQLite result code, when SQLite reported the failure.
    public let sqliteCode: Int32?
    /// What went wrong and, where there is one, what to do about it.
    public let message: String
    /// The statement or script that failed, without any bound value.
    public let sql: String?

    package init(code: Code, message: String, sqliteCode: Int32? = nil, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
        self.sql = sql
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let sqliteCode {
            text += " (SQLite result code \(sqliteCode))"
        }
        if let sql {
            // Migration scripts can run to pages; the start is enough to find the statement.
            let limit = 300
            let shown = sql.count > limit ? sql.prefix(limit) + "…" : Substring(sql)
            text += " in SQL: \(shown)"
        }
        return text
    }
}

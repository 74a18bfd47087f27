/// One numbered step of the schema, applied once by `Migrator` in its own transaction.
///
/// A migration is never edited after it ships: files in the field were built by the old text, and
/// `user_version` only records that the step ran, not what it contained. Fix a shipped mistake with
/// a new migration.
package struct Migration: Sendable {
    /// Position in the schema history, starting at 1; becomes `PRAGMA user_version` once applied.
    package let version: Int
    /// A short label for error messages.
    package let name: String
    /// The SQL script; may hold several statements.
    package let sql: String

    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

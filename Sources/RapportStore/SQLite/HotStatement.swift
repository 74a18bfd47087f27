/// A statement the write and apply paths run once per record, kept at hand after its first use.
///
/// `Database.cachedStatement` finds a statement by hashing and comparing its SQL text; for an
/// entity's insert of a few hundred characters that cost more than binding its parameters.
/// The statement still comes from (and is finalized with) the connection's cache.
final class HotStatement {
    let sql: String
    private var statement: Statement?

    init(_ sql: String) { self.sql = sql }

    /// The prepared statement, reset. Unlike `cachedStatement`, bindings are not cleared (that
    /// was a tenth of a local write): every user binds every parameter its statement reads.
    func get(_ db: Database) throws -> Statement {
        if let statement {
            statement.reset()
            return statement
        }
        let prepared = try db.cachedStatement(sql)
        statement = prepared
        return prepared
    }
}

@available(*, unavailable)
extension HotStatement: Sendable {}

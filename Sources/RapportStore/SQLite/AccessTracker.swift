import CSQLite

/// Which tables a connection's statements read and write, learned from SQLite's authorizer.
///
/// SQLite calls the authorizer while it compiles a statement, once per table and column the
/// statement reads or writes (the statements of triggers included). A `Statement` keeps those
/// tables, so nothing is parsed or looked up when it runs; running it then costs one flag test.
/// Observed queries (`Store.observe`) use the tables read to know which commits concern them,
/// and the tables written by a transaction are reported when it commits (`onCommit`), never when
/// it rolls back.
package final class AccessTracker {
    /// The tables of the statement being compiled (`Statement.init`).
    var compiling: (reads: Set<String>, writes: Set<String>)?
    /// While an observed query runs (`trackingReads`): the tables its statements read.
    var reads: Set<String>?
    /// Tables written since the last commit or rollback.
    private var writes: Set<String> = []
    /// Set when something changed that statements cannot name (the whole file was replaced).
    private var everything = false
    /// Called after a commit that wrote something: the tables written, or nil for "any table".
    package var onCommit: ((Set<String>?) -> Void)?

    func authorize(_ action: Int32, _ table: UnsafePointer<CChar>?) {
        let isRead = action == SQLITE_READ
        guard isRead || action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE,
              let table else { return }
        let name = String(cString: table)
        if name.hasPrefix("sqlite_") { return }
        if compiling != nil {
            if isRead { compiling!.reads.insert(name) } else { compiling!.writes.insert(name) }
        } else if !isRead {
            // A script run by `Database.execute` compiles and runs each statement in turn.
            writes.insert(name)
        }
    }

    func statementRan(reads tables: Set<String>) {
        if reads != nil { reads!.formUnion(tables) }
    }

    func statementWrote(_ tables: Set<String>) {
        writes.formUnion(tables)
    }

    func wroteEverything() { everything = true }

    /// Reports what was written, now that it is durable.
    func committed() {
        guard everything || !writes.isEmpty else { return }
        let tables: Set<String>? = everything ? nil : writes
        discard()
        onCommit?(tables)
    }

    /// Forgets what was written: it was rolled back.
    func discard() {
        writes = []
        everything = false
    }

    /// Installs the authorizer on `connection`; `self` must outlive the connection's statements.
    func install(on connection: OpaquePointer) {
        sqlite3_set_authorizer(connection, { context, action, first, _, _, _ in
            guard let context else { return SQLITE_OK }
            Unmanaged<AccessTracker>.fromOpaque(context).takeUnretainedValue().authorize(action, first)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    static func uninstall(from connection: OpaquePointer) {
        sqlite3_set_authorizer(connection, nil, nil)
    }
}

/// How `Database.inTransaction` begins its transaction.
///
/// `.immediate` is the default for writes: it takes the write lock up front, so a busy database
/// is reported (after the busy timeout) before any work is done, instead of at COMMIT.
package enum TransactionKind: Sendable {
    case deferred
    case immediate
    case exclusive

    var beginSQL: String {
        switch self {
        case .deferred: "BEGIN DEFERRED"
        case .immediate: "BEGIN IMMEDIATE"
        case .exclusive: "BEGIN EXCLUSIVE"
        }
    }
}

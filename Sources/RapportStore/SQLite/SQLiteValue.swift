import Foundation

/// One SQLite storage-class value, for binding a row's parameters in one call or reading a column
/// whose type is not known in advance.
package enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

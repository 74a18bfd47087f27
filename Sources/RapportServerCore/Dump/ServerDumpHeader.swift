/// The first line of a server dump: which database life it holds.
///
/// `epoch` is the exported database's, and an import keeps it, so cursors handed out before the
/// move stay valid after it.
package struct ServerDumpHeader: Hashable, Sendable {
    package let epoch: String
    /// When the epoch was created, in milliseconds since 1970.
    package let createdAtMillis: Int64

    package init(epoch: String, createdAtMillis: Int64) {
        self.epoch = epoch
        self.createdAtMillis = createdAtMillis
    }
}

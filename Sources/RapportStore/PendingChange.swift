import Foundation
import RapportMerge

/// A local change waiting in the outbox: the record's current version and the token that
/// acknowledges exactly this version.
public struct PendingChange: Hashable, Sendable {
    public let version: RecordVersion
    public let token: Token

    /// Identifies one outbox entry as it was when read. Acknowledging a token whose record was
    /// written again since does nothing: the newer version stays queued.
    public struct Token: Hashable, Sendable {
        public let entity: String
        public let id: String
        public let change: Int64
    }
}

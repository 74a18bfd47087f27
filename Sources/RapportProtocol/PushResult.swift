import Foundation

/// The server's answer for one element of a push batch, matched to it by `index`.
///
/// `entity`/`id` are echoed when the element could be read. `sequence` is the change-feed position
/// the record now has (for `accepted`/`merged`, and for `stale` when the record is stored);
/// `conflicts` counts the concurrent fields settled (`merged` only); `reason` (a stable code from
/// `RejectionReason`) and `message` (what to fix) come with `rejected` only. A client clears an
/// outbox entry on any status but `rejected`: the server then has that version or a newer one.
public struct PushResult: Codable, Sendable, Hashable {
    public var index: Int
    public var entity: String?
    public var id: String?
    public var status: Status
    public var sequence: Int64?
    public var conflicts: Int?
    public var reason: String?
    public var message: String?

    public init(index: Int, entity: String? = nil, id: String? = nil, status: Status, sequence: Int64? = nil,
                conflicts: Int? = nil, reason: String? = nil, message: String? = nil) {
        self.index = index
        self.entity = entity
        self.id = id
        self.status = status
        self.sequence = sequence
        self.conflicts = conflicts
        self.reason = reason
        self.message = message
    }

    /// A rejection of the element at `index`; `reason` should be one of `RejectionReason`.
    public static func rejected(index: Int, entity: String? = nil, id: String? = nil, reason: String, message: String) -> PushResult {
        PushResult(index: index, entity: entity, id: id, status: .rejected, reason: reason, message: message)
    }
}

import Foundation
import RapportProtocol

extension SyncReport {
    /// One local record the server refused during this sync: set aside (see `Store.rejections()`),
    /// or, when ``staysQueued``, refused for now and pushed again by the next sync.
    public struct Rejected: Sendable, Hashable {
        public var entity: String
        public var id: String
        /// A stable code such as `clock_drift`, `invalid_value` or `payload_too_large`.
        public var reason: String
        public var message: String

        /// Refused for now, not for good: a stamp too far ahead of the server's clock
        /// (`clock_drift`) is kept queued and pushed again once the clocks agree, not set aside.
        public var staysQueued: Bool { reason == RejectionReason.clockDrift }

        public init(entity: String, id: String, reason: String, message: String) {
            self.entity = entity
            self.id = id
            self.reason = reason
            self.message = message
        }
    }
}

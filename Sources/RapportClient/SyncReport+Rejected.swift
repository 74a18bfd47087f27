import Foundation

extension SyncReport {
    /// One local record the server refused during this sync; it was set aside (see `Store.rejections()`).
    public struct Rejected: Sendable, Hashable {
        public var entity: String
        public var id: String
        /// A stable code such as `clock_drift`, `invalid_value` or `payload_too_large`.
        public var reason: String
        public var message: String

        public init(entity: String, id: String, reason: String, message: String) {
            self.entity = entity
            self.id = id
            self.reason = reason
            self.message = message
        }
    }
}

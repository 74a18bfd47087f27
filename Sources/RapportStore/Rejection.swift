import Foundation

/// A local change the server refused (for example a clock-drift or schema rejection), set aside
/// so it never blocks the rest of the outbox, and kept so the user can see and fix it.
public struct Rejection: Hashable, Sendable {
    public let seq: Int64
    public let entity: String
    public let id: String
    /// The stable reason code the server gave (`clock_drift`, `invalid_value`, …).
    public let reason: String
    public let message: String
    public let rejectedAt: Date
}

import Foundation

/// Where a running sync is, reported after every push batch and every pulled page.
///
/// `done` counts records (pushed or pulled) in the current phase; `total` is known for pushing
/// (the outbox size when the sync began, which local writes during the sync may exceed) and nil
/// for pulling, where the server does not say how much remains.
public struct SyncProgress: Sendable, Hashable {
    public var phase: Phase
    public var done: Int
    public var total: Int?

    public init(phase: Phase, done: Int, total: Int? = nil) {
        self.phase = phase
        self.done = done
        self.total = total
    }
}

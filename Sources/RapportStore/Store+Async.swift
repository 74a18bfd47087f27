import Foundation

extension Store {
    /// Runs `body` with this store off Swift's cooperative pool, on the store's own thread
    /// (`BlockingQueue`), for calls made from async code such as a sync.
    ///
    /// Every `Store` method blocks while SQLite works; called straight from a task, it holds one of
    /// the pool's few threads for that time. Through `perform`, the task is suspended instead.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await queue.run { try body(self) }
    }
}

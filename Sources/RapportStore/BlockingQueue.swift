import Dispatch

/// A serial thread for blocking work (SQLite calls) started from async code.
///
/// Swift's cooperative pool has one thread per core, two on a small machine. A SQLite call that
/// waits for the disk, for `fsync` or for another connection's lock would hold one of them and
/// stall every other task meanwhile: the network I/O of the same sync, a server's other requests.
/// Work sent here runs on a dispatch queue's own thread, one item at a time, while the calling task
/// is suspended.
public final class BlockingQueue: Sendable {
    private let queue: DispatchQueue
    private let key = DispatchSpecificKey<Bool>()

    /// - Parameters:
    ///   - label: The dispatch queue's label, as debuggers and crash reports show it.
    ///   - concurrent: Run items side by side on several threads instead of one at a time
    ///     (for a backend with a pool of connections).
    public init(label: String, concurrent: Bool = false) {
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: concurrent ? .concurrent : [])
        queue.setSpecific(key: key, value: true)
    }

    /// Whether the caller is running on this queue's thread.
    public var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == true }

    /// Schedules `body` on the queue's thread and returns at once.
    public func enqueue(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Runs `body` on the queue's thread and returns (or throws) what it did.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

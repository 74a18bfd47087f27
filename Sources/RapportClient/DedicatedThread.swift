import Foundation

/// Runs blocking work on a new thread of its own, off Swift's cooperative pool (whose one thread
/// per core must never block), and lets the awaiting task be cancelled without waiting for it.
enum DedicatedThread {
    /// Runs `work` on a new thread and returns what it returns. Cancelling the calling task calls
    /// `onCancel` (which should make `work` stop soon) and throws `CancellationError` at once;
    /// whatever `work` ends with after that is dropped.
    static func run<T: Sendable>(name: String, onCancel: @escaping @Sendable () -> Void,
                                 _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let handoff = Handoff<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard handoff.install(continuation) else { return }
                let thread = Thread { handoff.deliver(Result { try work() }) }
                thread.name = name
                thread.start()
            }
        } onCancel: {
            onCancel()
            handoff.deliver(.failure(CancellationError()))
        }
    }

    /// Resumes the awaiting task exactly once, with the first of the work's result or a
    /// cancellation, whichever comes first and whether or not the task is waiting yet.
    private final class Handoff<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?
        private var result: Result<T, any Error>?

        /// Returns false when the task was cancelled before it waited: then it is resumed already.
        func install(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
            let early: Result<T, any Error>? = lock.withLock {
                if result == nil { self.continuation = continuation }
                return result
            }
            guard let early else { return true }
            continuation.resume(with: early)
            return false
        }

        func deliver(_ outcome: Result<T, any Error>) {
            let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
                guard result == nil else { return nil }
                result = outcome
                defer { continuation = nil }
                return continuation
            }
            waiting?.resume(with: outcome)
        }
    }
}

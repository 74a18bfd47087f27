import Foundation
import RapportStore

/// Merges the pushes of concurrent requests in shared transactions: one commit, and one sync to
/// disk, for every push that arrived while the previous commit was being made.
///
/// A server must not answer a push before its commit is durable (the client then forgets it), and
/// that costs a few milliseconds per commit on real disks; with one commit per request, sixteen
/// clients pushing at once would wait for sixteen syncs in a row. Here each request queues its
/// batch and schedules a drain on the storage thread (`queue`); a drain takes everything queued
/// (up to `maxVersionsPerCommit`) and merges it in one `SyncStorage.push(_:now:)`. Every request
/// schedules one drain, so no batch is left behind; drains that find nothing return at once.
public final class GroupCommit: @unchecked Sendable {
    /// Versions merged in one transaction at most, so one commit stays short.
    public static let maxVersionsPerCommit = 20_000

    private let storage: any SyncStorage
    private let queue: BlockingQueue
    private let now: @Sendable () -> Date
    // `lock` guards `waiting`, the only mutable state: what makes the unchecked Sendable sound.
    private let lock = NSLock()
    private var waiting: [Waiting] = []

    private struct Waiting {
        let batch: PushBatch
        let continuation: CheckedContinuation<PushCommit, any Error>
    }

    /// - Parameter queue: the thread every storage call of the server runs on.
    public init(storage: any SyncStorage, queue: BlockingQueue, now: @escaping @Sendable () -> Date = Date.init) {
        self.storage = storage
        self.queue = queue
        self.now = now
    }

    /// Merges `batch` in the next group commit; returns once that commit is made.
    public func push(_ batch: PushBatch) async throws -> PushCommit {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock { waiting.append(Waiting(batch: batch, continuation: continuation)) }
            queue.enqueue { [self] in drain() }
        }
    }

    private func drain() {
        let taken: [Waiting] = lock.withLock {
            var versions = 0
            var count = 0
            for item in waiting {
                if count > 0, versions + item.batch.versions.count > Self.maxVersionsPerCommit { break }
                versions += item.batch.versions.count
                count += 1
            }
            defer { waiting.removeFirst(count) }
            return Array(waiting.prefix(count))
        }
        guard !taken.isEmpty else { return }
        do {
            let results = try storage.push(taken.map(\.batch), now: now())
            for (offset, item) in taken.enumerated() {
                // Every waiting request is answered, even by a storage that miscounts its results.
                item.continuation.resume(with: offset < results.count ? results[offset]
                    : .failure(StoreError(code: .invalidData, message: "the server storage gave no result for this push; push again")))
            }
        } catch {
            for item in taken { item.continuation.resume(throwing: error) }
        }
    }
}

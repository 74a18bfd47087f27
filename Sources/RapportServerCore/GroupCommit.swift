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
///
/// A backend with several connections (PostgreSQL) gets several **lanes**: a workspace always
/// commits in the same lane (so its pushes still share commits and stay in order), and different
/// lanes commit side by side on their own threads and connections.
public final class GroupCommit: Sendable {
    /// Versions merged in one transaction at most, so one commit stays short.
    public static let maxVersionsPerCommit = 20_000

    private let storage: any SyncStorage
    private let lanes: [Lane]
    private let now: @Sendable () -> Date

    /// - Parameter queue: the thread every storage call of the server runs on (one lane).
    public convenience init(storage: any SyncStorage, queue: BlockingQueue, now: @escaping @Sendable () -> Date = Date.init) {
        self.init(storage: storage, lanes: [queue], now: now)
    }

    /// - Parameter lanes: one serial queue per lane; a workspace's pushes always use the same one.
    public init(storage: any SyncStorage, lanes: [BlockingQueue], now: @escaping @Sendable () -> Date = Date.init) {
        precondition(!lanes.isEmpty, "a group commit needs at least one lane")
        self.storage = storage
        self.lanes = lanes.map(Lane.init)
        self.now = now
    }

    /// Merges `batch` in the next group commit of its workspace's lane; returns once that commit is made.
    public func push(_ batch: PushBatch) async throws -> PushCommit {
        let lane = lanes[Self.lane(of: batch.workspace, among: lanes.count)]
        return try await withCheckedThrowingContinuation { continuation in
            lane.lock.withLock { lane.waiting.append(Waiting(batch: batch, continuation: continuation)) }
            lane.queue.enqueue { [self] in drain(lane) }
        }
    }

    /// A stable lane number for a workspace (FNV-1a of its name), the same in every process.
    static func lane(of workspace: String, among count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in workspace.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(count))
    }

    private struct Waiting {
        let batch: PushBatch
        let continuation: CheckedContinuation<PushCommit, any Error>
    }

    /// One serial queue and the pushes waiting for it.
    private final class Lane: @unchecked Sendable {
        let queue: BlockingQueue
        // `lock` guards `waiting`, the only mutable state: what makes the unchecked Sendable sound.
        let lock = NSLock()
        var waiting: [Waiting] = []

        init(_ queue: BlockingQueue) { self.queue = queue }
    }

    private func drain(_ lane: Lane) {
        let taken: [Waiting] = lane.lock.withLock {
            var versions = 0
            var count = 0
            for item in lane.waiting {
                if count > 0, versions + item.batch.versions.count > Self.maxVersionsPerCommit { break }
                versions += item.batch.versions.count
                count += 1
            }
            defer { lane.waiting.removeFirst(count) }
            return Array(lane.waiting.prefix(count))
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

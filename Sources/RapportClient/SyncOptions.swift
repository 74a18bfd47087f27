import Foundation

/// Tuning of a `SyncSession`: batch and page sizes, retries and long polling.
///
/// The defaults suit a phone on a mobile network: a full push batch is about 1.2 MB of JSON (about
/// 200 KB gzipped), and each one costs the server a commit synced to disk, so fewer, larger batches
/// push several times faster than many small ones. A push batch is bounded by both `maxBatchCount`
/// records and `maxBatchBytes` of encoded JSON, whichever is reached first, so a few very large
/// records cannot make one request too big; if the server still answers 413 the batch is split.
/// `pageSize` is clamped to what the protocol allows (1…1000) and `wait` to 0…30 seconds.
public struct SyncOptions: Sendable, Hashable {
    public var maxBatchCount: Int
    public var maxBatchBytes: Int
    public var pageSize: Int
    public var retry: RetryPolicy
    /// Seconds the server may hold an empty pull open until a change arrives (long poll); 0 = answer at once.
    public var wait: Int
    /// Moves a replica bound to another workspace to this session's: every local record is pushed
    /// to it and its feed is pulled from the start. Without it such a sync is refused.
    public var switchWorkspace = false
    /// gzip on the wire, both ways: answers are asked for gzipped, and once a server has said it
    /// takes gzip bodies (`Accept-Encoding: gzip` on an answer) pushes of `Gzip.minimumSize` bytes
    /// or more are sent gzipped. Pulled pages shrink about fourfold; off, every body is sent and
    /// asked for as is (`Accept-Encoding: identity`), which costs less CPU on a fast local network.
    public var compression = true
    /// Seconds a sync waits for another sync of the same replica (this process or another) to
    /// finish before it gives up with `SyncError.Code.busy`. Syncs of one replica never overlap.
    public var lockTimeout: TimeInterval = 60
    /// Push batches sent before the oldest answer is waited for (at least 1). Three keep a fast
    /// link and the server busy; pipelined batches may reach the server in any order. With 1 a
    /// batch is sent only once the one before it is answered, so the server sees them in order
    /// (the simulator's exact replays use it).
    public var pipelineDepth = 3

    public init(maxBatchCount: Int = 2_000, maxBatchBytes: Int = 2 << 20, pageSize: Int = 1_000,
                retry: RetryPolicy = RetryPolicy(), wait: Int = 0) {
        self.maxBatchCount = max(1, maxBatchCount)
        self.maxBatchBytes = max(1, maxBatchBytes)
        self.pageSize = pageSize
        self.retry = retry
        self.wait = wait
    }
}

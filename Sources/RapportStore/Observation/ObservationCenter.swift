import Foundation

/// Tells observed queries of one `Store` when a commit concerns them.
///
/// Each subscription remembers the tables its last fetch read. A commit on the store's connection
/// reports the tables it wrote (`AccessTracker`), and every subscription that read one of them is
/// signalled. Commits made by other connections to the same file (another process, another
/// `Store` on the same path) cannot say what they wrote: while anyone waits, `PRAGMA data_version`
/// is checked every `externalCheckInterval`, and a change signals every subscription.
///
/// A signal is a flag, not a queue (a stream buffering only the newest element): ten commits
/// before the subscriber looks again make one fetch, which is how a 10,000-record page, or a
/// burst of pages, yields once.
final class ObservationCenter: @unchecked Sendable {
    private struct Subscriber {
        var tables: Set<String>
        /// `PRAGMA data_version` when it last fetched.
        var dataVersion: Int64?
        let signal: AsyncStream<Void>.Continuation
    }

    private let lock = NSLock()
    private var subscribers: [UInt64: Subscriber] = [:]
    private var nextID: UInt64 = 0
    private var waiting = 0
    private var poller: Task<Void, Never>?
    private var interval: Duration = .milliseconds(250)

    /// How often another connection's commits are looked for while someone waits.
    var externalCheckInterval: Duration {
        get { lock.withLock { interval } }
        set { lock.withLock { interval = max(newValue, .milliseconds(10)) } }
    }

    /// A new subscription that reads nothing yet: its first fetch tells which tables it follows.
    func subscribe() -> (id: UInt64, signals: AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = lock.withLock {
            nextID += 1
            subscribers[nextID] = Subscriber(tables: [], signal: continuation)
            return nextID
        }
        return (id, stream)
    }

    /// How many subscriptions are registered (for tests).
    var subscriberCount: Int { lock.withLock { subscribers.count } }

    func unsubscribe(_ id: UInt64) {
        let removed = lock.withLock { subscribers.removeValue(forKey: id) }
        removed?.signal.finish()
    }

    /// Records what a fetch read; called under the store's lock, so no commit comes in between.
    func fetched(_ id: UInt64, tables: Set<String>, dataVersion: Int64) {
        lock.withLock {
            subscribers[id]?.tables = tables
            subscribers[id]?.dataVersion = dataVersion
        }
    }

    /// A commit on the store's own connection wrote `tables` (nil: anything).
    func didCommit(_ tables: Set<String>?) {
        lock.withLock {
            for subscriber in subscribers.values where tables.map({ !$0.isDisjoint(with: subscriber.tables) }) ?? true {
                subscriber.signal.yield()
            }
        }
    }

    /// The file is at `dataVersion`: whoever fetched at another one missed another connection's
    /// commit, and since nothing says what it wrote, looks again.
    private func externalCheck(_ dataVersion: Int64) {
        lock.withLock {
            for subscriber in subscribers.values where subscriber.dataVersion.map({ $0 != dataVersion }) ?? false {
                subscriber.signal.yield()
            }
        }
    }

    /// Brackets a subscriber's wait for a signal; the poller runs only while someone waits.
    func beginWaiting(store: Store) {
        lock.withLock {
            waiting += 1
            guard poller == nil else { return }
            poller = Task { [weak self, weak store] in
                while !Task.isCancelled, let center = self {
                    try? await Task.sleep(for: center.externalCheckInterval)
                    guard !Task.isCancelled, let store, let version = try? await store.perform({ try $0.dataVersion() }) else { return }
                    center.externalCheck(version)
                }
            }
        }
    }

    func endWaiting() {
        lock.withLock {
            waiting -= 1
            if waiting == 0 {
                poller?.cancel()
                poller = nil
            }
        }
    }
}

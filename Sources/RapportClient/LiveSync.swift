import Foundation
import RapportStore

/// What a live sync is doing, for a status line or a badge.
public enum LiveSyncState: Hashable, Sendable {
    /// Not started yet.
    case starting
    /// Up to date; waiting (long poll) for others' changes or for a local edit.
    case idle
    /// Sending local changes: `done` of `total` records so far in this sync.
    case pushing(done: Int, total: Int?)
    /// Receiving others' changes: `done` records so far in this sync.
    case pulling(done: Int)
    /// The server cannot be reached or is overloaded; the next try is at `retryAt`
    /// (exponential backoff with jitter), or at once on `syncNow()` / `resume()`.
    case offline(reason: String, retryAt: Date)
    /// Syncing needs a person: the server refused this replica (wrong token, unknown workspace,
    /// a protocol it does not speak) and will be asked again at `retryAt`, or records the server
    /// refused are set aside (`Store.rejections()`) while the rest keeps syncing (`retryAt` nil).
    case blocked(reason: String, setAside: [Rejection], retryAt: Date?)
    /// `pause()` was called; nothing is sent until `resume()`.
    case paused
    /// `run()` returned.
    case stopped
}

/// Tuning of a `LiveSync`.
public struct LiveSyncOptions: Sendable, Hashable {
    /// How long edits must pause before they are pushed; a burst of edits goes in one push.
    public var debounce: Duration = .milliseconds(150)
    /// The longest a push waits for edits to pause (someone typing without a break).
    public var maxDebounce: Duration = .seconds(2)
    /// Seconds the server may hold a pull open while nothing changes (1…30).
    public var longPoll: Int = 25
    /// The pause after consecutive failures: `baseDelay · 2^(n-1)`, capped, jittered.
    public var backoff = RetryPolicy(attempts: .max, baseDelay: 1, maxDelay: 60)
    /// How long to wait before asking again a server that refused this replica.
    public var blockedRetry: TimeInterval = 300

    public init() {}
}

/// A sync that stays on: it pushes soon after every local edit, long-polls the server for others'
/// changes, backs off when offline, and can be paused while the app is in the background.
///
/// ```swift
/// let live = session.live()
/// let syncing = Task { await live.run() }          // until cancelled
/// for await state in live.states() { show(state) }  // idle, pushing, offline(reason), …
/// ```
///
/// It drives the same `SyncSession.sync()` as a one-shot sync, one at a time, so everything said
/// there holds: resumable anywhere, nothing acknowledged before the server answered, a sync of the
/// same replica by another process waits its turn (and this one waits for it). Cancelling the
/// task that runs `run()` stops it; work in flight is abandoned at a safe point (a pulled page is
/// applied whole or not at all) and the next run resumes from the store.
public final class LiveSync: Sendable {
    public let session: SyncSession
    public let options: LiveSyncOptions
    private let control: Control
    private let onReport: @Sendable (SyncReport) -> Void

    /// - Parameters:
    ///   - session: The one-shot sync this runs again and again: its store, transport, workspace
    ///     and options.
    ///   - options: Debounce, long poll and backoff.
    ///   - onReport: Called after each sync that moved something (pushed or pulled records, or
    ///     settled conflicts), on the sync's task; keep it quick.
    public init(session: SyncSession, options: LiveSyncOptions = LiveSyncOptions(),
                onReport: @escaping @Sendable (SyncReport) -> Void = { _ in }) {
        self.session = session
        self.options = options
        self.onReport = onReport
        self.control = Control()
    }

    /// The current state.
    public var state: LiveSyncState { control.state }

    /// The current state, then every change of it, until `run()` returns.
    public func states() -> AsyncStream<LiveSyncState> { control.subscribe() }

    /// Stops sending and receiving (an app going to the background); the sync in flight is
    /// abandoned at a safe point. Local edits keep queueing in the store.
    public func pause() { control.setPaused(true) }

    /// Starts again after `pause()`, at once.
    public func resume() { control.setPaused(false) }

    /// Syncs at once: skips the debounce, the long poll's wait, or an offline backoff.
    public func syncNow() { control.kick(wakeBackoff: true) }

    /// Runs until the calling task is cancelled; never throws: failures become states and retries.
    public func run() async {
        let store = session.store
        let debounce = options.debounce, maxDebounce = options.maxDebounce
        let control = control
        // Local edits (in this process or, through the file, another) wake the loop; the first
        // value is the outbox at start, which the first sync pushes anyway.
        let watcher = Task {
            let outbox = store.observe { try $0.outboxState() }.removeDuplicates()
            var first = true
            do {
                // The newest local change already handed to a sync: the outbox can look changed
                // without a new edit (a sync's own commits), and that needs no push.
                var handled: Int64 = 0
                for try await state in outbox {
                    if first {
                        first = false
                        handled = state.lastChange
                        continue
                    }
                    guard state.pending > 0, state.lastChange > handled else { continue }
                    // Debounce: push once edits have paused for `debounce`, or after `maxDebounce`
                    // of continuous typing, so a burst of edits goes in one push.
                    var latest = state.lastChange
                    let deadline = ContinuousClock.now + maxDebounce
                    while true {
                        try await Task.sleep(for: debounce)
                        let now = try await store.perform { try $0.outboxState().lastChange }
                        if now == latest || ContinuousClock.now >= deadline { break }
                        latest = now
                    }
                    handled = latest
                    control.kick(wakeBackoff: false)
                }
            } catch {}
        }
        defer {
            watcher.cancel()
            control.finish()
        }
        var failures = 0
        var needsSync = true
        while !Task.isCancelled {
            if control.isPaused {
                control.set(.paused)
                await control.sleep(until: nil)
                continue
            }
            do {
                // Unless this is the first sync, a retry, or someone asked (a local edit after its
                // debounce, syncNow), hold a long poll open, which any of those interrupts.
                // A kick is consumed here either way: one that came before this sync is served by it.
                let kicked = control.takeKick()
                let waiting = !needsSync && !kicked
                if waiting { control.set(try await restingState(store)) }
                let started = ContinuousClock.now
                let report = try await cycle(wait: waiting ? options.longPoll : 0, interruptible: waiting)
                failures = 0
                needsSync = false
                if report.pushed > 0 || report.pulled > report.stale || report.conflicts > 0 || report.fullResync {
                    onReport(report)
                }
                control.set(try await restingState(store))
                // A long poll answered at once with nothing (a proxy that does not hold requests,
                // a server that ignores `wait`) would make this loop ask without pause: wait out
                // the rest of a second, which an edit's kick or syncNow still cuts short.
                if waiting, report.pulled == 0, ContinuousClock.now - started < .seconds(1) {
                    await control.sleep(until: Date().addingTimeInterval(1), wokenByEdits: true)
                }
            } catch let error as SyncError where error.message == SyncSession.gaveWay {
                // Another sync of this replica (a `rapport sync` in a terminal) waits: let it in.
                needsSync = true
                try? await Task.sleep(for: .milliseconds(250))
            } catch let error as SyncError where error.code == .cancelled || Task.isCancelled {
                needsSync = true
            } catch is CancellationError {
                needsSync = true
            } catch let error as SyncError where Self.isPassing(error) {
                needsSync = true
                failures += 1
                let retryAt = Date().addingTimeInterval(options.backoff.delay(beforeRetry: failures))
                control.set(.offline(reason: error.message, retryAt: retryAt))
                await control.sleep(until: retryAt)
            } catch {
                needsSync = true
                let retryAt = Date().addingTimeInterval(options.blockedRetry)
                let setAside = (try? await store.perform { try $0.rejections() }) ?? []
                control.set(.blocked(reason: (error as? SyncError)?.message ?? "\(error)", setAside: setAside, retryAt: retryAt))
                await control.sleep(until: retryAt)
            }
        }
    }

    /// Idle, unless records are set aside.
    private func restingState(_ store: Store) async throws -> LiveSyncState {
        let setAside = try await store.perform { try $0.rejections() }
        guard !setAside.isEmpty else { return .idle }
        return .blocked(reason: "the server refused \(setAside.count) record\(setAside.count == 1 ? "" : "s"); they are set aside until fixed",
                        setAside: setAside, retryAt: nil)
    }

    /// One `sync()`, with a long poll of `wait` seconds; `interruptible` lets a kick cancel it.
    private func cycle(wait: Int, interruptible: Bool) async throws -> SyncReport {
        var options = session.options
        options.wait = wait
        let control = control
        let sync = SyncSession(store: session.store, transport: session.transport, workspace: session.workspace,
                               options: options) { progress in
            switch progress.phase {
            case .pushing, .resyncing: control.set(.pushing(done: progress.done, total: progress.total))
            case .pulling: control.set(.pulling(done: progress.done))
            }
        }
        let task = Task { try await sync.sync(pushing: !interruptible, yieldingToWaiters: interruptible) }
        control.setInFlight(task, interruptible: interruptible)
        defer { control.setInFlight(nil, interruptible: false) }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Failures that pass by themselves: no network, a server restarting or overloaded.
    static func isPassing(_ error: SyncError) -> Bool {
        [.unreachable, .server, .tooManyRequests, .busy].contains(error.code)
    }
}

extension SyncSession {
    /// A sync that stays on; see `LiveSync`.
    public func live(_ options: LiveSyncOptions = LiveSyncOptions(),
                     onReport: @escaping @Sendable (SyncReport) -> Void = { _ in }) -> LiveSync {
        LiveSync(session: self, options: options, onReport: onReport)
    }
}

extension LiveSync {
    /// The loop's shared state: pause flag, pending kick, the sync in flight, subscribers.
    final class Control: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var stateValue = LiveSyncState.starting
        private var paused = false
        private var kicked = false
        private var inFlight: (task: Task<SyncReport, any Error>, interruptible: Bool)?
        private var sleeper: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        private var sleeps: UInt64 = 0
        /// Whether the current sleep ends on a local edit's kick too (not a backoff's).
        private var sleeperWokenByEdits = false
        /// `syncNow()` or `resume()` came while no one slept: the next sleep returns at once.
        private var wakeRequested = false
        private var subscribers: [UUID: AsyncStream<LiveSyncState>.Continuation] = [:]
        private var finished = false

        var state: LiveSyncState { lock.withLock { stateValue } }
        var isPaused: Bool { lock.withLock { paused } }

        func subscribe() -> AsyncStream<LiveSyncState> {
            let (stream, continuation) = AsyncStream.makeStream(of: LiveSyncState.self, bufferingPolicy: .bufferingNewest(64))
            let id = UUID()
            lock.withLock {
                continuation.yield(stateValue)
                if finished { continuation.finish() } else { subscribers[id] = continuation }
            }
            continuation.onTermination = { [weak self] _ in self?.lock.withLock { _ = self?.subscribers.removeValue(forKey: id) } }
            return stream
        }

        func set(_ state: LiveSyncState) {
            lock.withLock {
                guard state != stateValue else { return }
                stateValue = state
                for subscriber in subscribers.values { subscriber.yield(state) }
            }
        }

        func finish() {
            set(.stopped)
            // Finishing runs each stream's onTermination, which takes the lock: outside it.
            let ending = lock.withLock { () -> [AsyncStream<LiveSyncState>.Continuation] in
                finished = true
                defer { subscribers = [:] }
                return Array(subscribers.values)
            }
            for subscriber in ending { subscriber.finish() }
        }

        /// Asks for a sync soon: interrupts a long poll in progress and, with `wakeBackoff` (a
        /// person asked), a pause after failures. A local edit does not cut a backoff short: an
        /// offline device typing would otherwise retry on every keystroke.
        func kick(wakeBackoff: Bool) {
            let (task, wake) = lock.withLock { () -> (Task<SyncReport, any Error>?, CheckedContinuation<Void, Never>?) in
                kicked = true
                let task = inFlight?.interruptible == true ? inFlight?.task : nil
                guard !paused else { return (task, nil) }
                if let current = sleeper, wakeBackoff || sleeperWokenByEdits {
                    sleeper = nil
                    return (task, current.continuation)
                }
                if wakeBackoff, sleeper == nil { wakeRequested = true }
                return (task, nil)
            }
            task?.cancel()
            wake?.resume()
        }

        /// Whether a sync was asked for since the last call.
        func takeKick() -> Bool {
            lock.withLock {
                defer { kicked = false }
                return kicked
            }
        }

        func setPaused(_ value: Bool) {
            let (task, wake) = lock.withLock { () -> (Task<SyncReport, any Error>?, CheckedContinuation<Void, Never>?) in
                paused = value
                let wake = sleeper?.continuation
                sleeper = nil
                if !value, wake == nil { wakeRequested = true }
                return (value ? inFlight?.task : nil, wake)
            }
            task?.cancel()
            wake?.resume()
        }

        func setInFlight(_ task: Task<SyncReport, any Error>?, interruptible: Bool) {
            let cancelNow = lock.withLock { () -> Bool in
                inFlight = task.map { ($0, interruptible) }
                // A kick or a pause that came just before the sync started must not wait for its end.
                return task != nil && (paused || (interruptible && kicked))
            }
            if cancelNow { task?.cancel() }
        }

        /// Sleeps until `date` (nil: until woken), or until `syncNow()`, `resume()` or the task's
        /// cancellation wakes it.
        func sleep(until date: Date?, wokenByEdits: Bool = false) async {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let id = lock.withLock { () -> UInt64? in
                        if Task.isCancelled || (date == nil && !paused) { return nil }
                        if wokenByEdits, kicked { return nil }
                        if wakeRequested {
                            wakeRequested = false
                            return nil
                        }
                        sleeps += 1
                        sleeper = (sleeps, continuation)
                        sleeperWokenByEdits = wokenByEdits
                        return sleeps
                    }
                    guard let id else { continuation.resume(); return }
                    if let date {
                        let delay = max(0, date.timeIntervalSinceNow)
                        Task { [weak self] in
                            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                            self?.wake(id)
                        }
                    }
                }
            } onCancel: {
                let current = lock.withLock { () -> CheckedContinuation<Void, Never>? in
                    defer { sleeper = nil }
                    return sleeper?.continuation
                }
                current?.resume()
            }
        }

        /// Ends sleep number `id` if it still sleeps: every continuation is resumed exactly once.
        private func wake(_ id: UInt64) {
            let current = lock.withLock { () -> CheckedContinuation<Void, Never>? in
                guard let sleeper, sleeper.id == id else { return nil }
                self.sleeper = nil
                return sleeper.continuation
            }
            current?.resume()
        }
    }
}

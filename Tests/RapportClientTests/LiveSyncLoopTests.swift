import Foundation
import RapportClient
import RapportModel
import RapportProtocol
import RapportStore
import Testing

/// `LiveSync` against the real server over HTTP: pushes soon after edits, long polls, backs off
/// offline, pauses, reports refusal, and never runs two syncs of one replica at once.
@Suite struct LiveSyncLoopTests {
    let replicas: Replicas

    init() throws { replicas = try Replicas("LiveSyncLoopTests") }

    /// The real transport with a switch to go offline, an optional delay, and a record of requests.
    final class Switchboard: Transport, @unchecked Sendable {
        private let inner: any Transport
        private let lock = NSLock()
        private var offline = false
        private var delay: Duration = .zero
        private var pushes = 0
        private var inFlight = 0
        private(set) var maxInFlight = 0

        init(_ inner: any Transport) { self.inner = inner }

        func setOffline(_ value: Bool) { lock.withLock { offline = value } }
        func setDelay(_ value: Duration) { lock.withLock { delay = value } }
        var pushCount: Int { lock.withLock { pushes } }
        var highestConcurrency: Int { lock.withLock { maxInFlight } }

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            let (isOffline, pause) = lock.withLock { () -> (Bool, Duration) in
                if request.method == "POST" { pushes += 1 }
                inFlight += 1
                maxInFlight = max(maxInFlight, inFlight)
                return (offline, delay)
            }
            defer { lock.withLock { inFlight -= 1 } }
            if isOffline { throw SyncError(.unreachable, "cannot reach the test server: switched off") }
            if pause > .zero { try await Task.sleep(for: pause) }
            return try await inner.send(request)
        }
    }

    /// Keeps every state a live sync publishes.
    final class StateLog: @unchecked Sendable {
        private let lock = NSLock()
        private var states: [LiveSyncState] = []
        private var task: Task<Void, Never>?

        init(_ live: LiveSync) {
            task = Task { [self] in
                for await state in live.states() { lock.withLock { states.append(state) } }
            }
        }

        var all: [LiveSyncState] { lock.withLock { states } }

        func waitFor(seconds: Double = 30, _ predicate: (LiveSyncState) -> Bool) async -> LiveSyncState? {
            guard await RapportClientTests.eventually(seconds: seconds, { all.contains(where: predicate) }) else { return nil }
            return all.last(where: predicate)
        }

        deinit { task?.cancel() }
    }

    /// Stops live syncs and lets the server's open long polls run out, so the in-process server
    /// never shuts down under a request in flight.
    private func stop(_ runs: Task<Void, Never>...) async {
        for run in runs { run.cancel() }
        for run in runs { await run.value }
        try? await Task.sleep(for: .milliseconds(1_300))
    }

    private func fast(_ options: LiveSyncOptions = LiveSyncOptions()) -> LiveSyncOptions {
        var options = options
        options.debounce = .milliseconds(20)
        options.longPoll = 1
        options.backoff = RetryPolicy(attempts: .max, baseDelay: 0.1, maxDelay: 0.8)
        options.blockedRetry = 60
        return options
    }

    private func live(_ store: Store, _ transport: any Transport, _ options: LiveSyncOptions? = nil) -> LiveSync {
        session(store, transport, SyncOptions(retry: .none)).live(options ?? fast())
    }

    /// Waits until `query` on `store` returns true.
    private func eventually(_ store: Store, seconds: Double = 10, _ query: @escaping @Sendable (Store) throws -> Bool) async throws -> Bool {
        for try await done in store.observe(query) where done { return true }
        return false
    }

    private func within<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test func anEditOnOneReplicaReachesTheOtherWithoutAnyoneCallingSync() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            let liveA = live(a, server.transport()), liveB = live(b, server.transport())
            let runA = Task { await liveA.run() }, runB = Task { await liveB.run() }
            let logB = StateLog(liveB)
            #expect(await logB.waitFor { $0 == .idle } != nil)

            try a.accounts.create(Account(id: "acme", name: "Acme", owner: "kim"))
            // No one calls sync: A's live sync pushes, the server wakes B's long poll. (How fast is
            // measured by `rapport-bench live`, not here: the suite runs hundreds of tests at once.)
            let arrived = try await within(seconds: 30) { try await eventually(b) { try $0.accounts.get(id: "acme") != nil } }
            #expect(arrived == true, "B received A's account through A's push and B's long poll")

            // And back: B's edit reaches A.
            try b.accounts.update(id: "acme") { $0.owner = "lee" }
            let back = try await within(seconds: 30) { try await eventually(a) { try $0.accounts.get(id: "acme")?.owner == "lee" } }
            #expect(back == true)
            // B's acknowledgement may land just after A has the edit.
            let acknowledged = try await within(seconds: 30) { try await eventually(b) { try $0.info().pendingChanges == 0 } }
            #expect(acknowledged == true)
            #expect(try a.info().pendingChanges == 0)
            await stop(runA, runB)
        }
    }

    @Test func statesShowThePushAndReturnToIdle() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            let liveA = live(a, server.transport())
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            #expect(await log.waitFor { $0 == .idle } != nil)
            try a.accounts.createAll(accounts(30))
            #expect(await log.waitFor { if case .pushing = $0 { true } else { false } } != nil)
            let count = log.all.count
            #expect(await log.waitFor { $0 == .idle && log.all.count > count } != nil || log.all.last == .idle)
            await stop(run)
            #expect(log.all.last == .stopped)
            #expect(log.all.first == .starting)
        }
    }

    @Test func editsInQuickSuccessionGoInFewPushes() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            let board = Switchboard(server.transport())
            var options = fast()
            options.debounce = .seconds(1)
            options.maxDebounce = .seconds(10)
            let liveA = live(a, board, options)
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            #expect(await log.waitFor { $0 == .idle } != nil)
            let before = board.pushCount
            for i in 0..<20 {
                try a.accounts.create(Account(id: "a\(i)", name: "Account \(i)"))
                try await Task.sleep(for: .milliseconds(5))
            }
            let drained = try await within(seconds: 30) { try await eventually(a) { try $0.info().pendingChanges == 0 } }
            #expect(drained == true)
            #expect(board.pushCount - before <= 3, "twenty edits within the debounce went in \(board.pushCount - before) pushes; states \(log.all)")
            await stop(run)
        }
    }

    @Test func offlineItBacksOffThenPushesWhatWasWrittenMeanwhile() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            let board = Switchboard(server.transport())
            board.setOffline(true)
            let liveA = live(a, board)
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            try a.accounts.create(Account(id: "acme", name: "Acme"))

            // Consecutive failures wait longer and longer (jittered within the upper half).
            var waits: [TimeInterval] = []
            var seen: Set<Date> = []
            let deadline = Date().addingTimeInterval(60)
            while waits.count < 4, Date() < deadline {
                if case .offline(let reason, let retryAt)? = log.all.last, !seen.contains(retryAt) {
                    #expect(reason.contains("switched off"))
                    seen.insert(retryAt)
                    waits.append(retryAt.timeIntervalSinceNow)
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(waits.count == 4)
            #expect(waits.last! > waits.first!, "backoff grows: \(waits)")
            #expect(try a.info().pendingChanges == 1)

            board.setOffline(false)
            liveA.syncNow()
            #expect(await log.waitFor { $0 == .idle } != nil)
            _ = try await session(b, server.transport()).sync()
            #expect(try b.accounts.get(id: "acme")?.name == "Acme")
            await stop(run)
        }
    }

    @Test func pausedItSendsNothingAndResumePushesAtOnce() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            let board = Switchboard(server.transport())
            let liveA = live(a, board)
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            #expect(await log.waitFor { $0 == .idle } != nil)
            liveA.pause()
            #expect(await log.waitFor { $0 == .paused } != nil)
            let pushes = board.pushCount
            try a.accounts.create(Account(id: "acme", name: "Acme"))
            try await Task.sleep(for: .milliseconds(400))
            #expect(board.pushCount == pushes, "nothing is sent while paused")
            #expect(liveA.state == .paused)

            liveA.resume()
            let drained = try await within(seconds: 30) { try await eventually(a) { try $0.info().pendingChanges == 0 } }
            #expect(drained == true)
            _ = try await session(b, server.transport()).sync()
            #expect(try b.accounts.get(id: "acme") != nil)
            await stop(run)
        }
    }

    @Test func aRefusedTokenBlocksWithTheServersReason() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            let liveA = live(a, server.transport(token: "rpt_0000000000000000_" + String(repeating: "0", count: 64)))
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            let blocked = await log.waitFor { if case .blocked = $0 { true } else { false } }
            guard case .blocked(let reason, let setAside, let retryAt)? = blocked else {
                Issue.record("expected blocked, got \(log.all)")
                await stop(run)
                return
            }
            #expect(reason.lowercased().contains("token"))
            #expect(setAside.isEmpty)
            #expect(retryAt.map { $0 > Date().addingTimeInterval(30) } == true, "a refusal is not retried in a tight loop")
            await stop(run)
        }
    }

    @Test func recordsSetAsideShowAsBlockedWhileTheRestSyncs() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            // A record a server refused earlier (PushRun sets such records aside; see
            // SyncSessionTests): a person must fix it, and the live state says so.
            try a.accounts.create(Account(id: "refused", name: "Refused"))
            let token = try #require(try a.pendingChanges().first?.token)
            try a.setAside(token, reason: "invalid_value", message: "account.name must be a string")
            try a.accounts.create(Account(id: "fine", name: "Fine"))
            let liveA = live(a, server.transport())
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            let blocked = await log.waitFor { if case .blocked(_, let setAside, nil) = $0 { !setAside.isEmpty } else { false } }
            if case .blocked(let reason, let setAside, _)? = blocked {
                #expect(setAside.map(\.id) == ["refused"])
                #expect(reason.contains("set aside"))
            } else {
                Issue.record("expected blocked with a record set aside, got \(log.all)")
            }
            _ = try await session(b, server.transport()).sync()
            #expect(try b.accounts.get(id: "fine") != nil, "the rest kept syncing")
            await stop(run)
        }
    }

    @Test func aServerThatAnswersLongPollsAtOnceIsNotAskedInATightLoop() async throws {
        // The in-process server core answers at once whatever `wait` says, like a proxy that does
        // not hold requests open.
        let server = try TestServer()
        let a = try replicas.make("a")
        let liveA = live(a, server)
        let log = StateLog(liveA)
        let run = Task { await liveA.run() }
        #expect(await log.waitFor { $0 == .idle } != nil)
        let before = server.requests.count
        try await Task.sleep(for: .seconds(3))
        let asked = server.requests.count - before
        #expect(asked <= 10, "\(asked) requests in 3 s: the loop did not pause")
        // An edit still goes out at once, not after the pause.
        try a.accounts.create(Account(id: "acme", name: "Acme"))
        let drained = try await within(seconds: 30) { try await eventually(a) { try $0.info().pendingChanges == 0 } }
        #expect(drained == true)
        run.cancel()
        _ = await run.value
    }

    @Test func cancellingTheTaskStopsALongPollPromptly() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            var options = fast()
            options.longPoll = 10
            let liveA = live(a, server.transport(), options)
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            #expect(await log.waitFor { $0 == .idle } != nil)
            try await Task.sleep(for: .milliseconds(200))
            let started = Date()
            run.cancel()
            _ = await run.value
            #expect(Date().timeIntervalSince(started) < 8, "the 10 s long poll was abandoned")
            #expect(liveA.state == .stopped)
            try await Task.sleep(for: .milliseconds(10_300))
        }
    }

    /// Whether requests through two transports were ever in flight at the same time.
    final class OverlapMeter: @unchecked Sendable {
        private let lock = NSLock()
        private var inFlight = [0, 0]
        private(set) var overlapped = false
        private(set) var requests = 0

        func begin(_ side: Int) {
            lock.withLock {
                inFlight[side] += 1
                requests += 1
                if inFlight[0] > 0 && inFlight[1] > 0 { overlapped = true }
            }
        }

        func end(_ side: Int) { lock.withLock { inFlight[side] -= 1 } }
    }

    struct MeteredTransport: Transport {
        let inner: any Transport
        let meter: OverlapMeter
        let side: Int

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            meter.begin(side)
            defer { meter.end(side) }
            try await Task.sleep(for: .milliseconds(20))
            return try await inner.send(request)
        }
    }

    @Test func twoSyncsOfOneReplicaNeverOverlapEvenThroughTwoConnections() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            // A second `Store` on the same file stands for another process: its own connection,
            // its own lock file descriptor.
            let again = try replicas.reopen("a")
            let meter = OverlapMeter()
            try a.accounts.createAll(accounts(60))
            try await withThrowingTaskGroup(of: SyncReport.self) { group in
                for i in 0..<6 {
                    let side = i % 2
                    let store = side == 0 ? a : again
                    let transport = MeteredTransport(inner: server.transport(), meter: meter, side: side)
                    group.addTask {
                        if side == 0 { try store.accounts.createAll(accounts(10, prefix: "more-\(i)")) }
                        return try await session(store, transport, SyncOptions(maxBatchCount: 10, retry: .none)).sync()
                    }
                }
                for try await _ in group {}
            }
            #expect(meter.requests > 12)
            #expect(!meter.overlapped, "two syncs of one replica ran at the same time")
            #expect(try a.info().pendingChanges == 0)
        }
    }

    @Test func aLiveSyncsLongPollGivesWayToAOneShotSyncOfTheSameReplica() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            var options = fast()
            options.longPoll = 25
            let liveA = live(a, server.transport(), options)
            let log = StateLog(liveA)
            let run = Task { await liveA.run() }
            #expect(await log.waitFor { $0 == .idle } != nil)
            try await Task.sleep(for: .milliseconds(300))
            // Another `Store` on the file, as `rapport sync` in a terminal would open it.
            let terminal = try replicas.reopen("a")
            var oneShot = SyncOptions(retry: .none)
            oneShot.lockTimeout = 20
            let started = Date()
            _ = try await session(terminal, server.transport(), oneShot).sync()
            #expect(Date().timeIntervalSince(started) < 20, "it got in long before the 25 s long poll ended")
            // The live sync carries on afterwards.
            try a.accounts.create(Account(id: "acme", name: "Acme"))
            let drained = try await within(seconds: 30) { try await eventually(a) { try $0.info().pendingChanges == 0 } }
            #expect(drained == true)
            run.cancel()
            _ = await run.value
            try await Task.sleep(for: .milliseconds(25_500))
        }
    }

    @Test func aSyncThatWaitsTooLongForAnotherSaysWhoHoldsIt() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            let board = Switchboard(server.transport())
            board.setDelay(.milliseconds(1500))
            let slow = Task { try await session(a, board, SyncOptions(retry: .none)).sync() }
            try await Task.sleep(for: .milliseconds(300))
            var options = SyncOptions(retry: .none)
            options.lockTimeout = 0.3
            let error = await #expect(throws: SyncError.self) { try await session(a, server.transport(), options).sync() }
            #expect(error?.code == .busy)
            #expect(error?.message.contains("process \(ProcessInfo.processInfo.processIdentifier)") == true)
            _ = try await slow.value
        }
    }
}

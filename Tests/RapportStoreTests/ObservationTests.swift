import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// `Store.observe`: what makes an observed query yield (local writes, pulled pages, resolutions,
/// other connections' commits), what does not, coalescing, laziness and cancellation.
@Suite final class ObservationTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ObservationTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent("\(name).rapport").path }
    private func replica(_ name: String) throws -> Store { try Store.create(at: path(name), name: name) }

    /// Iterates `observation` on a task of its own and keeps every value it yields.
    private final class Collector<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var collected: [Value] = []
        private var ended = false
        private(set) var task: Task<Void, Never>?

        init(_ observation: StoreObservation<Value>) {
            task = Task { [self] in
                do {
                    for try await value in observation { lock.withLock { collected.append(value) } }
                } catch {
                    Issue.record("the observation threw \(error)")
                }
                lock.withLock { ended = true }
            }
        }

        var values: [Value] { lock.withLock { collected } }
        var hasEnded: Bool { lock.withLock { ended } }

        /// Waits until `count` values have come (true), or `seconds` have passed and it has
        /// looked `seconds / 5 ms` times (false): wall time alone can pass on a loaded machine
        /// while other tests hold every thread of the cooperative pool and nothing here runs.
        func waitFor(count: Int, seconds: Double = 30) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            let looksNeeded = Int(seconds * 200)
            var looks = 0
            while values.count < count {
                if Date() > deadline, looks >= looksNeeded { return false }
                try? await Task.sleep(for: .milliseconds(5))
                looks += 1
            }
            return true
        }

        deinit { task?.cancel() }
    }

    /// Counts how often a query ran.
    private final class Runs: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    private func names(_ store: Store) -> StoreObservation<[String]> {
        store.observe { try $0.accounts.list().map(\.name).sorted() }
    }

    @Test func yieldsTheCurrentResultThenAfterEveryLocalWrite() async throws {
        let store = try replica("a")
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        let collector = Collector(names(store))
        #expect(await collector.waitFor(count: 1))
        #expect(collector.values == [["Acme"]])

        try store.accounts.create(Account(id: "a2", name: "Globex"))
        #expect(await collector.waitFor(count: 2))
        try store.accounts.update(id: "a1") { $0.name = "Acme Corp" }
        #expect(await collector.waitFor(count: 3))
        _ = try store.accounts.delete(id: "a2")
        #expect(await collector.waitFor(count: 4))
        #expect(collector.values == [["Acme"], ["Acme", "Globex"], ["Acme Corp", "Globex"], ["Acme Corp"]])
    }

    @Test func aCommitThatWroteNoTableTheQueryReadYieldsNothing() async throws {
        let store = try replica("a")
        let collector = Collector(names(store))
        #expect(await collector.waitFor(count: 1))

        try store.objectives.create(Objective(id: "o1", key: .nps, name: "NPS", direction: .higherIsBetter, target: 50,
                                              normaliser: .linear(lower: 0, upper: 100)))
        try store.crises.create(CrisisEvent(id: "c1", accountID: "x", startedAt: Date(), severity: .high, summary: "outage"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(collector.values.count == 1, "objectives and crises are not read by a list of accounts")

        try store.accounts.create(Account(id: "a1", name: "Acme"))
        #expect(await collector.waitFor(count: 2))
        #expect(collector.values.last == ["Acme"])
    }

    @Test func aPulledPageOfTenThousandRecordsYieldsOnce() async throws {
        let remote = try replica("remote"), store = try replica("local")
        try remote.accounts.createAll((0..<10_000).map { Account(id: "a\($0)", name: "Account \($0)") })
        let page = try remote.pendingChanges(limit: .max).map(\.version)
        #expect(page.count == 10_000)

        let collector = Collector(store.observe { try $0.accounts.list().count })
        #expect(await collector.waitFor(count: 1))
        let report = try store.apply(page, cursor: "page-1")
        #expect(report.inserted == 10_000)
        #expect(await collector.waitFor(count: 2))
        try await Task.sleep(for: .milliseconds(300))
        #expect(collector.values == [0, 10_000], "one commit, one result")
    }

    @Test func commitsMadeWhileNobodyLooksCoalesceIntoOneFetch() async throws {
        let store = try replica("a")
        let runs = Runs()
        var iterator = store.observe { store in
            runs.increment()
            return try store.accounts.list().count
        }.makeAsyncIterator()
        #expect(runs.count == 0, "nothing runs before someone iterates")
        #expect(try await iterator.next() == 0)
        for i in 0..<25 { try store.accounts.create(Account(id: "a\(i)", name: "A\(i)")) }
        #expect(runs.count == 1, "commits alone do not run the query")
        #expect(try await iterator.next() == 25)
        #expect(runs.count == 2, "twenty-five commits, one fetch")

        // The next value waits for the next commit.
        let writer = Task {
            try await Task.sleep(for: .milliseconds(200))
            try store.accounts.create(Account(id: "late", name: "Late"))
        }
        let started = Date()
        #expect(try await iterator.next() == 26)
        #expect(Date().timeIntervalSince(started) >= 0.15)
        try await writer.value
    }

    @Test func resolvingAConflictYieldsTheJournalWithoutIt() async throws {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.create(Account(id: "a1", name: "Acme", owner: "kim"))
        _ = try b.apply(try a.pendingChanges(limit: .max).map(\.version))
        try a.accounts.update(id: "a1") { $0.owner = "dana" }
        try b.accounts.update(id: "a1") { $0.owner = "priya" }
        _ = try a.apply(try b.pendingChanges(limit: .max).map(\.version))
        let entry = try #require(try a.conflicts().first)

        let collector = Collector(a.observe { try $0.conflicts().map(\.seq) })
        #expect(await collector.waitFor(count: 1))
        #expect(collector.values == [[entry.seq]])
        _ = try a.resolveConflict(entry.seq, choice: .mine)
        #expect(await collector.waitFor(count: 2))
        #expect(collector.values.last == [])
    }

    @Test func anotherConnectionsCommitIsSeen() async throws {
        let store = try replica("a")
        store.externalChangeCheckInterval = .milliseconds(20)
        let collector = Collector(names(store))
        #expect(await collector.waitFor(count: 1))

        // Another `Store` on the same file has its own connection, as another process would:
        // its commits reach this one only through the file.
        let other = try Store.open(at: path("a"))
        try other.accounts.create(Account(id: "a1", name: "Written elsewhere"))
        #expect(await collector.waitFor(count: 2, seconds: 30))
        #expect(collector.values.last == ["Written elsewhere"])
    }

    @Test func outboxCountsAreFollowedThroughCountQueries() async throws {
        let store = try replica("a")
        let collector = Collector(store.observe { try $0.info().pendingChanges })
        #expect(await collector.waitFor(count: 1))
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        #expect(await collector.waitFor(count: 2))
        try store.acknowledge(try store.pendingChanges().map(\.token))
        #expect(await collector.waitFor(count: 3))
        #expect(collector.values == [0, 1, 0])
    }

    @Test func removeDuplicatesSkipsResultsEqualToTheLastOne() async throws {
        let store = try replica("a")
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        let collector = Collector(store.observe { try $0.accounts.list().count }.removeDuplicates())
        #expect(await collector.waitFor(count: 1))
        try store.accounts.update(id: "a1") { $0.owner = "kim" }
        try await Task.sleep(for: .milliseconds(200))
        #expect(collector.values == [1])
        try store.accounts.create(Account(id: "a2", name: "Globex"))
        #expect(await collector.waitFor(count: 2))
        #expect(collector.values == [1, 2])
    }

    @Test func cancellingTheIteratingTaskEndsTheObservationAndItsWork() async throws {
        let store = try replica("a")
        let runs = Runs()
        let collector = Collector(store.observe { store in
            runs.increment()
            return try store.accounts.list().count
        })
        #expect(await collector.waitFor(count: 1))
        collector.task?.cancel()
        let deadline = Date().addingTimeInterval(20)
        while !collector.hasEnded, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(collector.hasEnded, "a cancelled wait ends the sequence")
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        try await Task.sleep(for: .milliseconds(100))
        #expect(runs.count == 1, "a cancelled observation fetches nothing more")
        #expect(store.observers.subscriberCount == 0, "and is no longer notified")
    }

    @Test func aRolledBackWriteYieldsNothing() async throws {
        let store = try replica("a")
        let collector = Collector(names(store))
        #expect(await collector.waitFor(count: 1))
        struct Oops: Error {}
        #expect(throws: Oops.self) {
            try store.batch { batch in
                try batch.create(Account(id: "a1", name: "Never"))
                throw Oops()
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(collector.values == [[]])
    }
}

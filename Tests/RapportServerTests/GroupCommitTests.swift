import Foundation
import RapportMerge
@testable import RapportServerCore
import RapportStore
import Testing

/// Pushes that arrive together share commits, and each still gets exactly its own answer.
@Suite final class GroupCommitTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("GroupCommitTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The real store, with every commit made slow (as a disk sync is) and counted.
    final class SlowStorage: SyncStorage, @unchecked Sendable {
        let store: ServerStore
        private let lock = NSLock()
        private var sizes: [Int] = []
        init(_ store: ServerStore) { self.store = store }

        var commits: [Int] { lock.withLock { sizes } }
        var epoch: String { store.epoch }
        func tokenCredential(id: String) throws -> TokenCredential? { try store.tokenCredential(id: id) }
        func hasWorkspace(_ name: String) throws -> Bool { try store.hasWorkspace(name) }
        func changes(workspace: String, since: FeedPosition, limit: Int) throws -> ChangeFeedPage { try store.changes(workspace: workspace, since: since, limit: limit) }
        func feedHead(workspace: String) throws -> FeedPosition { try store.feedHead(workspace: workspace) }
        func workspaceSchema(_ workspace: String) throws -> ReplicaSchema { try store.workspaceSchema(workspace) }
        func push(_ batches: [PushBatch], now: Date) throws -> [Result<PushCommit, any Error>] {
            Thread.sleep(forTimeInterval: 0.02)
            lock.withLock { sizes.append(batches.count) }
            return try store.push(batches, now: now)
        }
    }

    @Test func concurrentPushesShareCommitsAndEachGetsItsOwnOutcomes() async throws {
        let store = try ServerStore.open(at: directory.appendingPathComponent("server.db").path, create: true)
        try store.addWorkspace("team")
        let storage = SlowStorage(store)
        let committer = GroupCommit(storage: storage, queue: BlockingQueue(label: "test.storage"))
        let answers = try await withThrowingTaskGroup(of: (Int, PushCommit).self) { group in
            for request in 0..<40 {
                group.addTask {
                    let versions = (0..<5).map { Fixtures.account("r\(request)-\($0)") }
                    return (request, try await committer.push(PushBatch(workspace: "team", versions: versions)))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 40)
        // 40 requests, far fewer commits: the ones that arrived during a commit shared the next.
        #expect(storage.commits.reduce(0, +) == 40)
        #expect(storage.commits.count < 20)
        var sequences: [Int64] = []
        for (_, commit) in answers {
            #expect(commit.outcomes.count == 5)
            for outcome in commit.outcomes {
                guard case .accepted(let sequence) = outcome else { Issue.record("expected accepted, got \(outcome)"); continue }
                sequences.append(sequence)
                #expect(sequence <= commit.head.sequence)
            }
        }
        #expect(Set(sequences) == Set(1...200))
        #expect(try store.latestSequence(workspace: "team") == 200)
    }

    @Test func aBatchThatFailsInAGroupFailsAloneAndTheOthersAreStored() throws {
        let store = try ServerStore.open(at: directory.appendingPathComponent("server.db").path, create: true)
        try store.addWorkspace("team")
        let a = Fixtures.account("a")
        let results = try store.push([
            PushBatch(workspace: "team", versions: [a]),
            PushBatch(workspace: "gone", versions: [Fixtures.account("b")]),
            PushBatch(workspace: "team", versions: [Fixtures.account("c"), a]),
        ])
        #expect(try results[0].get().outcomes == [.accepted(sequence: 1)])
        #expect(throws: StoreError.self) { try results[1].get() }
        #expect(try results[2].get().outcomes == [.accepted(sequence: 2), .stale(sequence: 1)])
        #expect(try results[2].get().head.sequence == 2)
        #expect(try store.changes(workspace: "team", after: 0, limit: 10).entries.map(\.sequence) == [1, 2])
    }
}

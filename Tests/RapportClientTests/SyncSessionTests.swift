import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportProtocol
import RapportStore
import Testing

/// Push, pull, retries and resync of `SyncSession` against the real server core (`TestServer`).
@Suite struct SyncSessionTests {
    let replicas: Replicas
    let server: TestServer

    init() throws {
        replicas = try Replicas("SyncSessionTests")
        server = try TestServer()
    }

    // MARK: push

    @Test func pushSendsBatchesOfAtMostMaxBatchCountAndEmptiesTheOutbox() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(7))
        let report = try await session(store, server, SyncOptions(maxBatchCount: 3, retry: quickRetry)).sync()

        #expect(server.pushRequests.count == 3)
        let sizes = try server.pushRequests.map { try WireCoding.decoder().decode(PushRequest.self, from: $0.body!).versions.count }
        // Batches are pipelined, so the server may receive them in another order than sent.
        #expect(sizes.sorted() == [1, 3, 3])
        #expect(report.pushed == 7 && report.acknowledged == 7 && report.rejected.isEmpty)
        #expect(try store.pendingChanges(limit: 100).isEmpty)
        #expect(server.allVersions == (try store.allVersions()))
    }

    @Test func pushKeepsEveryBodyWithinMaxBatchBytes() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(20, note: String(repeating: "x", count: 300)))
        let limit = 2_000
        let report = try await session(store, server, SyncOptions(maxBatchBytes: limit, retry: quickRetry)).sync()

        #expect(server.pushRequests.count > 1)
        for request in server.pushRequests { #expect(request.body!.count <= limit) }
        #expect(report.acknowledged == 20)
        #expect(try store.pendingChanges(limit: 100).isEmpty)
    }

    @Test func aPushAnswered413IsSplitUntilItFits() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(16, note: String(repeating: "y", count: 200)))
        server.maxBodyBytes = 1_500
        let report = try await session(store, server).sync()

        #expect(report.acknowledged == 16 && report.rejected.isEmpty)
        #expect(server.allVersions.count == 16)
        #expect(try store.pendingChanges(limit: 100).isEmpty)
        // Once the server named its limit, later batches respect it instead of being refused again.
        let refused = server.pushRequests.filter { $0.body!.count > 1_500 }
        #expect(refused.count == 1)
    }

    @Test func aSingleRecordTooLargeForTheServerIsSetAsideAndTheRestArePushed() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(4))
        try store.accounts.create(Account(id: "huge", name: String(repeating: "z", count: 5_000)))
        server.maxBodyBytes = 2_000
        let report = try await session(store, server).sync()

        #expect(report.rejected.map(\.id) == ["huge"])
        #expect(report.rejected.first?.reason == "payload_too_large")
        #expect(try store.rejections().map(\.reason) == ["payload_too_large"])
        #expect(try store.pendingChanges(limit: 100).isEmpty)
        #expect(server.allVersions.map(\.id) == accounts(4).map(\.id))
    }

    @Test func aRejectedRecordIsSetAsideAndTheOthersAreAcknowledged() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(5))
        server.reject(id: "acct-0002")
        let report = try await session(store, server).sync()

        // The server's own words: `reject(id:)` spoils the record's first field, `arr`.
        let message = "account.arr must be a number"
        #expect(report.rejected == [SyncReport.Rejected(entity: "account", id: "acct-0002", reason: "invalid_value", message: message)])
        #expect(report.acknowledged == 4)
        #expect(try store.pendingChanges(limit: 100).isEmpty)
        let rejection = try #require(try store.rejections().first)
        #expect(rejection.id == "acct-0002" && rejection.message == message)
        #expect(server.allVersions.count == 4)
    }

    @Test func aRecordWrittenAgainDuringThePushIsPushedAgainInTheSameSync() async throws {
        let store = try replicas.make("a")
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        let wrote = ProgressLog()
        server.onPush {
            guard wrote.all.isEmpty else { return }
            wrote.record(SyncProgress(phase: .pushing, done: 0))
            _ = try? store.accounts.update(Account(id: "a1", name: "Acme Corp"))
        }
        let report = try await session(store, server).sync()

        #expect(server.pushRequests.count == 2)
        #expect(report.pushed == 2)
        #expect(try store.pendingChanges(limit: 10).isEmpty)
        #expect(server.allVersions.first?.values["name"] == .string("Acme Corp"))
    }

    // MARK: retries and errors

    @Test func lostConnectionsAnd503AreRetriedWithBackoffUntilTheSyncSucceeds() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(3))
        server.inject(.drop(.networkConnectionLost), on: .push, times: 2)
        server.inject(.answer(503, nil, "restarting"), on: .changes)
        let report = try await session(store, server).sync()

        #expect(server.pushRequests.count == 3)
        // The check that the pushed position is still in the server's history (answered 503 and
        // retried), then the page.
        #expect(server.changesRequests.count == 3)
        #expect(report.acknowledged == 3 && report.pages == 1)
        #expect(try store.pendingChanges(limit: 10).isEmpty)
    }

    @Test func aNetworkThatNeverAnswersEndsInUnreachableAfterTheConfiguredAttempts() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(2))
        server.inject(.drop(.timedOut), times: 10)
        let error = await #expect(throws: SyncError.self) { try await session(store, server).sync() }

        #expect(error?.code == .unreachable)
        #expect(server.requests.count == 5)
        #expect(try store.pendingChanges(limit: 10).count == 2)
    }

    @Test(arguments: [
        (401, ErrorCode.unauthorized, SyncError.Code.unauthorized),
        (403, ErrorCode.forbidden, SyncError.Code.forbidden),
        (404, ErrorCode.notFound, SyncError.Code.notFound),
        (422, ErrorCode.unprocessable, SyncError.Code.badRequest),
        (426, ErrorCode.upgradeRequired, SyncError.Code.protocolMismatch),
    ])
    func aClientErrorIsNotRetriedAndSurfacesTheServersMessage(status: Int, code: ErrorCode, expected: SyncError.Code) async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(2))
        server.inject(.answer(status, code, "the server's own words"))
        let error = await #expect(throws: SyncError.self) { try await session(store, server).sync() }

        #expect(error?.code == expected)
        #expect(error?.httpStatus == status && error?.serverCode == code.rawValue)
        #expect(error?.message.contains("the server's own words") == true)
        #expect(server.requests.count == 1)
        #expect(try store.pendingChanges(limit: 10).count == 2)
    }

    @Test func anUnauthorizedErrorTellsTheUserToAskForANewToken() async throws {
        let store = try replicas.make("a")
        server.inject(.answer(401, .unauthorized, "unknown token"))
        let error = await #expect(throws: SyncError.self) { try await session(store, server).sync() }
        #expect(error?.description.contains("token missing, wrong or revoked: ask for a new one") == true)
    }

    @Test func anAnswerLostAfterTheServerMergedIsHarmlessWhenTheNextSyncPushesAgain() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(3))
        server.inject(.loseAnswer, on: .push)
        let once = SyncOptions(retry: .none)
        await #expect(throws: SyncError.self) { try await session(store, server, once).sync() }
        #expect(try store.pendingChanges(limit: 10).count == 3)
        #expect(server.allVersions.count == 3)

        let report = try await session(store, server, once).sync()
        #expect(report.acknowledged == 3)
        #expect(try store.pendingChanges(limit: 10).isEmpty)
        #expect(server.allVersions == (try store.allVersions()))
    }

    // MARK: pull

    @Test func pullFetchesPagesUntilHasMoreIsFalseAndKeepsTheLastCursor() async throws {
        let writer = try replicas.make("writer"), reader = try replicas.make("reader")
        try writer.accounts.createAll(accounts(25))
        _ = try await session(writer, server).sync()
        let earlier = server.changesRequests.count
        let log = ProgressLog()
        let report = try await session(reader, server, SyncOptions(pageSize: 10, retry: quickRetry), progress: log.record).sync()

        #expect(report.pages == 3 && report.pulled == 25 && report.inserted == 25)
        #expect(try reader.info().cursor == (try server.cursor(at: 25)))
        #expect(report.cursor == (try server.cursor(at: 25)))
        #expect(try reader.allVersions() == (try writer.allVersions()))
        #expect(log.all.filter { $0.phase == .pulling }.map(\.done) == [10, 20, 25])
        #expect(server.changesRequests.dropFirst(earlier).map { $0.queryValue("since") ?? "" } == (try ["", server.cursor(at: 10), server.cursor(at: 20)]))
    }

    @Test func aPullInterruptedBetweenPagesResumesFromTheLastAppliedPage() async throws {
        let writer = try replicas.make("writer"), reader = try replicas.make("reader")
        try writer.accounts.createAll(accounts(25))
        _ = try await session(writer, server).sync()
        let options = SyncOptions(pageSize: 10, retry: .none)
        server.inject(.drop(.networkConnectionLost), on: .changes, after: 1)
        await #expect(throws: SyncError.self) { try await session(reader, server, options).sync() }
        #expect(try reader.allVersions().count == 10)
        #expect(try reader.info().cursor == (try server.cursor(at: 10)))

        let report = try await session(reader, server, options).sync()
        #expect(report.pages == 2 && report.pulled == 15 && report.stale == 0)
        #expect(try reader.allVersions() == (try writer.allVersions()))
    }

    @Test func pushReportsProgressAgainstTheOutboxSize() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(5))
        let log = ProgressLog()
        _ = try await session(store, server, SyncOptions(maxBatchCount: 2, retry: quickRetry), progress: log.record).sync()
        let pushing = log.all.filter { $0.phase == .pushing }
        #expect(pushing.map(\.done) == [2, 4, 5])
        #expect(pushing.allSatisfy { $0.total == 5 })
    }

    // MARK: epoch change

    @Test func aServerWithANewEpochGetsEverythingPushedAgainAndTheFeedPulledFromTheStart() async throws {
        let a = try replicas.make("a"), b = try replicas.make("b")
        try a.accounts.createAll(accounts(3, prefix: "a"))
        try b.accounts.createAll(accounts(2, prefix: "b"))
        _ = try await session(a, server).sync()
        _ = try await session(b, server).sync()
        _ = try await session(a, server).sync()
        let oldEpoch = server.epoch
        try server.replaceDatabase()
        #expect(server.epoch != oldEpoch)

        let log = ProgressLog()
        let report = try await session(a, server, progress: log.record).sync()
        #expect(report.fullResync)
        #expect(report.pushed == 5)
        #expect(server.allVersions == (try a.allVersions()))
        #expect(try a.info().cursor == (try server.cursor(at: 5)))
        #expect(log.all.contains { $0.phase == .resyncing })

        // The other replica's next sync resyncs too, and everyone agrees again.
        let again = try await session(b, server).sync()
        #expect(again.fullResync)
        #expect(try b.allVersions() == (try a.allVersions()))
        #expect(server.allVersions == (try b.allVersions()))
    }
}

/// Pipelined push batches can be committed out of order; the push check must keep the furthest
/// position any of them reached, or a server restored between the two commits would go unnoticed.
@Suite struct PipelinedPushCheckTests {
    let replicas: Replicas
    let server: TestServer

    init() throws {
        replicas = try Replicas("PipelinedPushCheckTests")
        server = try TestServer()
    }

    /// Holds the first push until the second has been answered, and is offline for pulls.
    final class SecondFirst: Transport, @unchecked Sendable {
        let inner: any Transport
        private let lock = NSLock()
        private var pushes = 0
        private var secondAnswered = false
        init(_ inner: any Transport) { self.inner = inner }

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            guard request.method == "POST" else { throw SyncError(.unreachable, "offline for pulls in this test") }
            let number = lock.withLock { defer { pushes += 1 }; return pushes }
            if number == 0 {
                for _ in 0..<5_000 where !lock.withLock({ secondAnswered }) { try await Task.sleep(nanoseconds: 1_000_000) }
                return try await inner.send(request)
            }
            let response = try await inner.send(request)
            if number == 1 { lock.withLock { secondAnswered = true } }
            return response
        }
    }

    @Test func theCheckKeepsTheFurthestPositionWhenBatchesCommitOutOfOrder() async throws {
        let store = try replicas.make("a")
        try store.accounts.createAll(accounts(4))
        let transport = SecondFirst(server)
        await #expect(throws: SyncError.self) {
            try await session(store, transport, SyncOptions(maxBatchCount: 2, retry: quickRetry)).sync()
        }
        // Both batches were acknowledged; the first one sent was committed last, at sequence 4.
        #expect(try store.pendingChanges(limit: 10).isEmpty)
        #expect(try store.pushCheck() == (try server.cursor(at: 4)))
    }
}

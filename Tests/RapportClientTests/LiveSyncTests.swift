import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportProtocol
import RapportStore
import Testing

/// Two real replicas syncing through the real server over HTTP on loopback, over each production transport.
@Suite struct LiveSyncTests {
    let replicas: Replicas

    init() throws { replicas = try Replicas("LiveSyncTests") }

    private func sync(_ store: Store, _ server: LiveServer, _ options: SyncOptions = SyncOptions(retry: quickRetry)) async throws -> SyncReport {
        try await SyncSession(store: store, transport: server.transport(), workspace: LiveServer.workspace, options: options).sync()
    }

    /// A, B, A: after this every replica has seen everything.
    private func syncAll(_ a: Store, _ b: Store, _ server: LiveServer) async throws {
        _ = try await sync(a, server)
        _ = try await sync(b, server)
        _ = try await sync(a, server)
    }

    private func sharedAccount(_ server: LiveServer, a: Store? = nil) async throws -> (Store, Store) {
        let a = try a ?? replicas.make("a"), b = try replicas.make("b")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        try await syncAll(a, b, server)
        return (a, b)
    }

    @Test(arguments: TransportKind.allCases)
    func concurrentEditsOfDifferentFieldsSurviveOnEveryReplica(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let (a, b) = try await sharedAccount(server)
            var onA = try #require(try a.accounts.get(id: "acme")), onB = try #require(try b.accounts.get(id: "acme"))
            onA.segment = "enterprise"
            onB.owner = "lee"
            try a.accounts.update(onA)
            try b.accounts.update(onB)
            try await syncAll(a, b, server)
            let late = try replicas.make("late")
            _ = try await sync(late, server)

            for store in [a, b, late] {
                let account = try #require(try store.accounts.get(id: "acme"))
                #expect(account.segment == "enterprise" && account.owner == "lee")
            }
            #expect(try a.allVersions() == (try b.allVersions()))
            #expect(try late.allVersions() == (try a.allVersions()))
        }
    }

    @Test(arguments: TransportKind.allCases)
    func theSameFieldEndsIdenticalEverywhereWithTheLaterStamp(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let (a, b) = try await sharedAccount(server)
            var onA = try #require(try a.accounts.get(id: "acme")), onB = try #require(try b.accounts.get(id: "acme"))
            onA.name = "Acme (A)"
            try a.accounts.update(onA)
            onB.name = "Acme (B)"
            try b.accounts.update(onB)
            let fromA = try #require(try a.version(entity: "account", id: "acme")?.fields["name"])
            let fromB = try #require(try b.version(entity: "account", id: "acme")?.fields["name"])
            let later = fromA.stamp > fromB.stamp ? fromA : fromB
            try await syncAll(a, b, server)

            #expect(try a.version(entity: "account", id: "acme")?.fields["name"] == later)
            #expect(try b.version(entity: "account", id: "acme")?.fields["name"] == later)
            #expect(try a.allVersions() == (try b.allVersions()))
        }
    }

    @Test(arguments: TransportKind.allCases)
    func aDeleteAndAConcurrentEditLeaveTheRecordDeletedEverywhereWithTheEditKept(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let (a, b) = try await sharedAccount(server)
            try a.accounts.delete(id: "acme")
            var onB = try #require(try b.accounts.get(id: "acme"))
            onB.arr = 2500
            try b.accounts.update(onB)
            try await syncAll(a, b, server)

            for store in [a, b] {
                #expect(try store.accounts.get(id: "acme") == nil)
                #expect(try store.accounts.get(id: "acme", includeDeleted: true)?.arr == 2500)
            }
            #expect(try a.allVersions() == (try b.allVersions()))
        }
    }

    @Test(arguments: TransportKind.allCases)
    func aCausallyLaterEditWinsEvenFromADeviceWhoseClockIsAnHourBehind(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let behind = try replicas.make("behind", wallClock: .offset(by: -3600))
            let (_, onTime) = try await sharedAccount(server, a: behind)
            var edit = try #require(try onTime.accounts.get(id: "acme"))
            edit.name = "Acme (on time)"
            try onTime.accounts.update(edit)
            _ = try await sync(onTime, server)
            _ = try await sync(behind, server)
            // Having seen the on-time edit, the slow device edits after it.
            var later = try #require(try behind.accounts.get(id: "acme"))
            #expect(later.name == "Acme (on time)")
            later.name = "Acme (later, slow clock)"
            try behind.accounts.update(later)
            _ = try await sync(behind, server)
            _ = try await sync(onTime, server)

            #expect(try onTime.accounts.get(id: "acme")?.name == "Acme (later, slow clock)")
            #expect(try behind.accounts.get(id: "acme")?.name == "Acme (later, slow clock)")
            #expect(try behind.allVersions() == (try onTime.allVersions()))
        }
    }

    @Test(arguments: TransportKind.allCases)
    func pushingTheSameVersionsTwiceChangesNothingTheSecondTime(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let a = try replicas.make("a")
            try a.accounts.createAll(accounts(3))
            let pending = try a.pendingChanges(limit: 10)
            let body = try WireCoding.encoder().encode(PushRequest(replica: try a.info().replicaID, versions: pending.map(\.version)))
            let request = TransportRequest(method: "POST", path: Route.push(workspace: LiveServer.workspace),
                                           headers: ["Content-Type": "application/json"], body: body)
            let first = try WireCoding.decoder().decode(PushResponse.self, from: try await server.transport().send(request).body)
            let second = try WireCoding.decoder().decode(PushResponse.self, from: try await server.transport().send(request).body)
            #expect(first.results.map(\.status) == [.accepted, .accepted, .accepted])
            #expect(second.results.map(\.status) == [.stale, .stale, .stale])
            #expect(second.cursor == first.cursor)

            // The replica never saw those answers, so its sync pushes a third time: still harmless.
            let report = try await sync(a, server)
            #expect(report.acknowledged == 3 && report.pulled == 3 && report.stale == 3)
            let b = try replicas.make("b")
            let pulled = try await sync(b, server)
            #expect(pulled.pulled == 3)
            #expect(try b.allVersions() == (try a.allVersions()))
        }
    }

    @Test(arguments: TransportKind.allCases)
    func manyRecordsArePulledAcrossManyPages(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            try a.accounts.createAll(accounts(1_200))
            let pushed = try await sync(a, server)
            #expect(pushed.acknowledged == 1_200 && pushed.pushRequests == 1)

            let report = try await sync(b, server, SyncOptions(pageSize: 100, retry: quickRetry))
            #expect(report.pulled == 1_200 && report.inserted == 1_200)
            #expect((12...13).contains(report.pages))
            #expect(try b.allVersions() == (try a.allVersions()))
            let again = try await sync(b, server, SyncOptions(pageSize: 100, retry: quickRetry))
            #expect(again.pulled == 0 && again.pages == 1)
        }
    }

    @Test(arguments: TransportKind.allCases)
    func aLongPollReturnsAsSoonAsAChangeArrives(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            _ = try await sync(b, server)
            let waiting = Task { () -> (SyncReport, Date) in
                let report = try await sync(b, server, SyncOptions(retry: quickRetry, wait: 20))
                return (report, Date())
            }
            try await Task.sleep(nanoseconds: 700_000_000)
            try a.accounts.create(Account(id: "news", name: "Newco"))
            let pushedAt = Date()
            _ = try await sync(a, server)
            let (report, returnedAt) = try await waiting.value

            #expect(report.pulled == 1)
            #expect(returnedAt >= pushedAt, "the pull waited for the change instead of answering at once")
            #expect(try b.accounts.get(id: "news")?.name == "Newco")
        }
    }

    @Test(arguments: TransportKind.allCases)
    func aWrongTokenIsRefusedWithAdviceToAskForANewOne(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let a = try replicas.make("a")
            let session = SyncSession(store: a, transport: server.transport(token: "rpt_not-a-token"), workspace: LiveServer.workspace)
            let error = await #expect(throws: SyncError.self) { try await session.sync() }
            #expect(error?.code == .unauthorized && error?.httpStatus == 401)
            #expect(error?.message.contains("ask for a new one") == true)
        }
    }
}

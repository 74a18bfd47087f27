import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportProtocol
import RapportServer
import RapportStore
import Testing

/// A wall clock a test can set, to play a device whose clock is wrong and later fixed.
final class DeviceClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0
    func set(hoursAhead hours: Double) { lock.lock(); offset = hours * 3600; lock.unlock() }
    var wallClock: WallClock { WallClock { [self] in lock.lock(); defer { lock.unlock() }; return Date().addingTimeInterval(offset) } }
}

/// Real phones and laptops through the real server over HTTP: a clock that was wrong once, a
/// replica moved to another workspace, an outbox entry the server keeps refusing.
@Suite struct RealUseSyncTests {
    let replicas: Replicas

    init() throws { replicas = try Replicas("RealUseSyncTests") }

    private func sync(_ store: Store, _ server: LiveServer, workspace: String = LiveServer.workspace, token: String? = nil,
                      switching: Bool = false) async throws -> SyncReport {
        var options = SyncOptions(retry: quickRetry)
        options.switchWorkspace = switching
        return try await SyncSession(store: store, transport: server.transport(token: token), workspace: workspace, options: options).sync()
    }

    @Test func writesSyncAgainOnceADeviceClockThatRanThreeDaysAheadIsFixed() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let clock = DeviceClock()
            let phone = try replicas.make("phone", wallClock: clock.wallClock), laptop = try replicas.make("laptop")
            try phone.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
            _ = try await sync(phone, server)

            clock.set(hoursAhead: 72)
            try phone.accounts.update(id: "acme") { $0.owner = "written while the clock was wrong" }
            let refused = try await sync(phone, server)
            #expect(refused.rejected.map(\.reason) == [RejectionReason.clockDrift])
            #expect(try phone.info().pendingChanges == 1)

            clock.set(hoursAhead: 0)
            try phone.accounts.create(Account(id: "globex", name: "Globex", segment: "smb", arr: 5, owner: "kim"))
            let fixed = try await sync(phone, server)
            #expect(fixed.rejected.isEmpty)
            #expect(try phone.info().pendingChanges == 0)

            _ = try await sync(laptop, server)
            #expect(try laptop.accounts.get(id: "acme")?.owner == "written while the clock was wrong")
            #expect(try laptop.accounts.get(id: "globex") != nil)
            // A later edit on the laptop wins over the re-stamped one everywhere.
            try laptop.accounts.update(id: "acme") { $0.owner = "lee" }
            _ = try await sync(laptop, server)
            _ = try await sync(phone, server)
            #expect(try phone.accounts.get(id: "acme")?.owner == "lee")
            #expect(try phone.allVersions() == (try laptop.allVersions()))
        }
    }

    @Test func aSyncAfterTheClockIsFixedRecoversWithoutANewWrite() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let clock = DeviceClock()
            let phone = try replicas.make("phone", wallClock: clock.wallClock)
            _ = try await sync(phone, server)
            clock.set(hoursAhead: 72)
            try phone.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
            _ = try await sync(phone, server)
            clock.set(hoursAhead: 0)
            let report = try await sync(phone, server)
            #expect(report.clockRecovered)
            #expect(report.acknowledged == 1)
        }
    }

    @Test func aReplicaSyncedWithOneWorkspaceIsRefusedByAnotherAndCanMoveExplicitly() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            try server.store.addWorkspace("other")
            let (id, secret) = TokenSecrets.generate()
            _ = try server.store.addToken(id: id, workspace: "other", label: "t", secretHash: TokenSecrets.hash(secret))
            let laptop = try replicas.make("laptop"), colleague = try replicas.make("colleague")
            // The other workspace already has changes the laptop has never seen.
            for account in accounts(3, prefix: "other") { try colleague.accounts.create(account) }
            _ = try await sync(colleague, server, workspace: "other", token: secret)
            for account in accounts(5, prefix: "team") { try laptop.accounts.create(account) }
            _ = try await sync(laptop, server)

            await #expect(throws: StoreError.self) { _ = try await sync(laptop, server, workspace: "other", token: secret) }
            #expect(try laptop.accounts.list().count == 5)

            _ = try await sync(laptop, server, workspace: "other", token: secret, switching: true)
            #expect(try laptop.accounts.list().count == 8)
            _ = try await sync(colleague, server, workspace: "other", token: secret)
            #expect(try colleague.allVersions() == (try laptop.allVersions()))
        }
    }

    @Test func anEntryTheServerKeepsRefusingForNowDoesNotBlockTheOnesBehindIt() async throws {
        let server = try TestServer()
        let store = try replicas.make("a")
        for account in accounts(6) { try store.accounts.create(account) }
        server.refuseForNow(id: "acct-0000")
        server.refuseForNow(id: "acct-0001")
        let report = try await session(store, server, SyncOptions(maxBatchCount: 2, retry: quickRetry)).sync()
        #expect(report.acknowledged == 4)
        #expect(report.rejected.map(\.reason) == [RejectionReason.clockDrift, RejectionReason.clockDrift])
        #expect(try store.pendingChanges(limit: .max).map(\.version.id) == ["acct-0000", "acct-0001"])
        #expect(server.allVersions.map(\.id) == ["acct-0002", "acct-0003", "acct-0004", "acct-0005"])
    }
}

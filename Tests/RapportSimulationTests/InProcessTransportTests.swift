import Foundation
import RapportClient
import RapportModel
import RapportServerCore
import RapportSimulation
import RapportStore
import Testing

/// The real `SyncSession` against the real `SyncService`, in one process and without HTTP.
@Suite final class InProcessTransportTests {
    private let directory: URL
    private let server: ServerStore
    private let secret: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("InProcessTransportTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        server = try ServerStore.open(at: directory.appendingPathComponent("server.db").path, create: true)
        try server.addWorkspace("team")
        let (id, secret) = TokenSecrets.generate()
        try server.addToken(id: id, workspace: "team", label: "tests", secretHash: TokenSecrets.hash(secret))
        self.secret = secret
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private func replica(_ name: String) throws -> Store {
        try Store.create(at: directory.appendingPathComponent("\(name).rapport").path, name: name)
    }

    private func sync(_ store: Store, token: String? = nil) async throws -> SyncReport {
        let transport = InProcessTransport(service: SyncService(storage: server), token: token ?? secret)
        return try await SyncSession(store: store, transport: transport, workspace: "team").sync()
    }

    @Test func twoReplicasSyncingThroughTheServiceInProcessKeepBothConcurrentEditsAndConverge() async throws {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        _ = try await sync(a)
        _ = try await sync(b)
        var onA = try #require(try a.accounts.get(id: "acme")), onB = try #require(try b.accounts.get(id: "acme"))
        onA.segment = "enterprise"
        onB.owner = "lee"
        _ = try a.accounts.update(onA)
        _ = try b.accounts.update(onB)
        for store in [a, b, a] { _ = try await sync(store) }

        for store in [a, b] {
            let account = try #require(try store.accounts.get(id: "acme"))
            #expect(account.segment == "enterprise" && account.owner == "lee")
        }
        #expect(try a.allVersions() == (try b.allVersions()))
        #expect(try server.latestSequence(workspace: "team") == 3)
    }

    @Test func aTokenTheServiceDoesNotKnowReachesTheClientAsUnauthorizedAndNothingIsStored() async throws {
        let a = try replica("a")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        await #expect { try await self.sync(a, token: "rpt_0000000000000000_" + String(repeating: "0", count: 64)) } throws: { error in
            (error as? SyncError)?.code == .unauthorized
        }
        #expect(try server.latestSequence(workspace: "team") == 0)
        #expect(try a.info().pendingChanges == 1)
    }

    @Test func aServerDatabaseRestoredFromABackupMakesTheReplicaThatWasAheadResyncAndReSendWhatTheBackupLacks() async throws {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        _ = try await sync(a)
        let backup = directory.appendingPathComponent("backup.db").path
        try server.backup(to: backup)
        try a.accounts.create(Account(id: "globex", name: "Globex", segment: "smb", arr: 2000, owner: "kim"))
        _ = try await sync(a)
        try ServerStore.restore(from: backup, to: server.path, replacingExisting: true)

        _ = try await sync(b)
        #expect(try b.accounts.list().map(\.id) == ["acme"])
        #expect(try await sync(a).fullResync)
        _ = try await sync(b)
        #expect(try b.accounts.list().map(\.id).sorted() == ["acme", "globex"])
        #expect(try a.allVersions() == (try b.allVersions()))
    }

    @Test func aPushWhoseSyncWasCutBeforeItsPullIsSentAgainWhenTheServerFileIsCopiedBackFromBefore() async throws {
        let a = try replica("a"), b = try replica("b")
        try b.accounts.create(Account(id: "initech", name: "Initech", segment: "smb", arr: 1, owner: "kim"))
        _ = try await sync(b)
        _ = try await sync(a)
        let backup = directory.appendingPathComponent("backup.db").path
        try server.backup(to: backup)
        // a pushes, then the app is killed before its pull: its cursor is from before the push.
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        let cut = FaultyTransport(InProcessTransport(service: SyncService(storage: server), token: secret), seed: 1, drop: 0, duplicate: 0, budget: 1)
        await #expect(throws: SyncError.self) {
            _ = try await SyncSession(store: a, transport: cut, workspace: "team", options: SyncOptions(retry: RetryPolicy(attempts: 1))).sync()
        }
        #expect(try a.info().pendingChanges == 0)
        // The server's file is copied back from the snapshot while it is stopped (same epoch),
        // and another replica's push hands the lost sequence out again.
        let path = server.path
        server.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: path)
        let restored = try ServerStore.open(at: path)
        try b.accounts.create(Account(id: "globex", name: "Globex", segment: "smb", arr: 2, owner: "kim"))
        _ = try await SyncSession(store: b, transport: InProcessTransport(service: SyncService(storage: restored), token: secret), workspace: "team").sync()

        let report = try await SyncSession(store: a, transport: InProcessTransport(service: SyncService(storage: restored), token: secret), workspace: "team").sync()
        #expect(report.fullResync)
        _ = try await SyncSession(store: b, transport: InProcessTransport(service: SyncService(storage: restored), token: secret), workspace: "team").sync()
        #expect(try b.accounts.list().map(\.id) == ["acme", "globex", "initech"])
        #expect(try a.allVersions() == (try b.allVersions()))
    }
}

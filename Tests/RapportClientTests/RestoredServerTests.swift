import Foundation
import RapportClient
import RapportModel
import RapportServerCore
import RapportStore
import Testing

/// A server whose database goes back in time (a file or VM snapshot copied back, or
/// `ServerStore.restore`) never makes a replica lose what it had: the replicas that were ahead
/// notice on their next sync, resync in full and push again what the server lost.
@Suite struct RestoredServerTests {
    let replicas: Replicas

    init() throws { replicas = try Replicas("RestoredServerTests") }

    private func sync(_ store: Store, _ server: LiveServer) async throws -> SyncReport {
        try await session(store, server.transport()).sync()
    }

    private func ids(_ store: Store) throws -> [String] { try store.accounts.list().map(\.id).sorted() }

    private func account(_ id: String) -> Account { Account(id: id, name: id.capitalized, segment: "smb", arr: 1000, owner: "kim") }

    @Test func aServerFileCopiedBackWhileStoppedMakesTheReplicaThatWasAheadResyncAndEveryReplicaGetsTheUnion() async throws {
        let path = replicas.directory.appendingPathComponent("server.db").path
        let snapshot = replicas.directory.appendingPathComponent("snapshot.db").path
        var (store, secret) = try LiveServer.makeStore(at: path)
        let a = try replicas.make("a"), b = try replicas.make("b")
        try a.accounts.create(account("acme"))
        try await LiveServer.run(store: store, secret: secret) { server in
            _ = try await sync(a, server)
            _ = try await sync(b, server)
        }
        // A snapshot of the stopped server, taken by something other than Rapport.
        store.close()
        try FileManager.default.copyItem(atPath: path, toPath: snapshot)

        store = try ServerStore.open(at: path)
        try a.accounts.create(account("globex"))
        try await LiveServer.run(store: store, secret: secret) { server in
            _ = try await sync(a, server)
        }
        #expect(try a.info().pendingChanges == 0, "the server acknowledged globex")

        // The snapshot is copied back over the stopped server's file: globex is gone from it, and
        // the next push to it hands out globex's sequence again, to another record.
        store.close()
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: snapshot, toPath: path)
        store = try ServerStore.open(at: path)
        try b.accounts.create(account("initech"))
        try await LiveServer.run(store: store, secret: secret) { [store] server in
            _ = try await sync(b, server)
            #expect(try store.latestSequence(workspace: LiveServer.workspace) == 2, "initech took the sequence globex had")

            let report = try await sync(a, server)
            #expect(report.fullResync, "a's cursor points into the lost history")
            _ = try await sync(b, server)
            let fresh = try replicas.make("fresh")
            _ = try await sync(fresh, server)

            for replica in [a, b, fresh] { #expect(try ids(replica) == ["acme", "globex", "initech"]) }
            #expect(try fresh.allVersions() == (try a.allVersions()))
            #expect(try b.allVersions() == (try a.allVersions()))
        }
    }

    @Test func aRestoreIntoTheRunningServerGivesItANewEpochAndEveryReplicaGetsTheUnion() async throws {
        let path = replicas.directory.appendingPathComponent("server.db").path
        let backup = replicas.directory.appendingPathComponent("backup.db").path
        let (store, secret) = try LiveServer.makeStore(at: path)
        let a = try replicas.make("a"), b = try replicas.make("b")
        try a.accounts.create(account("acme"))
        try await LiveServer.run(store: store, secret: secret) { [store] server in
            _ = try await sync(a, server)
            try store.backup(to: backup)
            #expect(throws: StoreError.self) { try store.backup(to: backup) }
            try a.accounts.create(account("globex"))
            _ = try await sync(a, server)

            let before = store.epoch
            #expect(throws: StoreError.self) { try ServerStore.restore(from: backup, to: path) }
            let epoch = try ServerStore.restore(from: backup, to: path, replacingExisting: true)
            #expect(epoch != before && store.epoch == epoch, "the running server reads the restored file's epoch")
            #expect(try store.latestSequence(workspace: LiveServer.workspace) == 1)

            try b.accounts.create(account("initech"))
            _ = try await sync(b, server)
            #expect(try await sync(a, server).fullResync)
            _ = try await sync(b, server)
            for replica in [a, b] { #expect(try ids(replica) == ["acme", "globex", "initech"]) }
            #expect(try b.allVersions() == (try a.allVersions()))
        }
    }
}

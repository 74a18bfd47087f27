import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportStore
import Testing

/// Two replicas syncing through the real server core end up holding the same data, with the
/// documented winner for every concurrent edit.
@Suite struct ConvergenceTests {
    let replicas: Replicas
    let server: TestServer

    init() throws {
        replicas = try Replicas("ConvergenceTests")
        server = try TestServer()
    }

    /// A, B, A: after this every replica has seen everything.
    private func syncAll(_ a: Store, _ b: Store) async throws {
        _ = try await session(a, server).sync()
        _ = try await session(b, server).sync()
        _ = try await session(a, server).sync()
    }

    private func sharedAccount() async throws -> (Store, Store) {
        let a = try replicas.make("a"), b = try replicas.make("b")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        try await syncAll(a, b)
        return (a, b)
    }

    @Test func twoReplicasWithIndependentRecordsConverge() async throws {
        let a = try replicas.make("a"), b = try replicas.make("b")
        try a.accounts.createAll(accounts(30, prefix: "a"))
        try b.accounts.createAll(accounts(20, prefix: "b"))
        try await syncAll(a, b)

        #expect(try a.allVersions().count == 50)
        #expect(try a.allVersions() == (try b.allVersions()))
        #expect(server.allVersions == (try a.allVersions()))
        #expect(try a.pendingChanges(limit: 100).isEmpty && (try b.pendingChanges(limit: 100).isEmpty))
    }

    @Test func concurrentEditsOfDifferentFieldsBothSurvive() async throws {
        let (a, b) = try await sharedAccount()
        var onA = try #require(try a.accounts.get(id: "acme")), onB = try #require(try b.accounts.get(id: "acme"))
        onA.segment = "enterprise"
        onB.owner = "lee"
        try a.accounts.update(onA)
        try b.accounts.update(onB)
        try await syncAll(a, b)

        for store in [a, b] {
            let account = try #require(try store.accounts.get(id: "acme"))
            #expect(account.segment == "enterprise" && account.owner == "lee")
        }
        #expect(try a.allVersions() == (try b.allVersions()))
        #expect(try a.conflicts().isEmpty && (try b.conflicts().isEmpty))
    }

    @Test func concurrentEditsOfTheSameFieldEndIdenticalWithTheLaterStamp() async throws {
        let (a, b) = try await sharedAccount()
        var onA = try #require(try a.accounts.get(id: "acme")), onB = try #require(try b.accounts.get(id: "acme"))
        onA.name = "Acme (from A)"
        onB.name = "Acme (from B)"
        try a.accounts.update(onA)
        try b.accounts.update(onB)
        let stampA = try #require(try a.version(entity: "account", id: "acme")?.fields["name"])
        let stampB = try #require(try b.version(entity: "account", id: "acme")?.fields["name"])
        let winner = max(stampA.stamp, stampB.stamp) == stampA.stamp ? stampA.value : stampB.value
        _ = try await session(a, server).sync()
        let fromB = try await session(b, server).sync()
        _ = try await session(a, server).sync()

        #expect(try a.accounts.get(id: "acme")?.name == winner.stringValue)
        #expect(try b.accounts.get(id: "acme")?.name == winner.stringValue)
        #expect(try a.allVersions() == (try b.allVersions()))
        #expect(server.allVersions == (try a.allVersions()))
        // The server settled the conflict when B's edit arrived, and B's sync reports it.
        #expect(fromB.serverConflicts == 1)
    }

    @Test func aDeleteWinsOverAConcurrentEditWithoutResurrectingTheRecord() async throws {
        let (a, b) = try await sharedAccount()
        try a.accounts.delete(id: "acme")
        var onB = try #require(try b.accounts.get(id: "acme"))
        onB.arr = 2000
        try b.accounts.update(onB)
        try await syncAll(a, b)

        #expect(try a.accounts.get(id: "acme") == nil)
        #expect(try b.accounts.get(id: "acme") == nil)
        #expect(try b.accounts.get(id: "acme", includeDeleted: true)?.arr == 2000)
        #expect(try a.allVersions() == (try b.allVersions()))
    }
}

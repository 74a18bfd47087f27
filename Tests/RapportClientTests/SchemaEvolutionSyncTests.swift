import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportStore
import Testing

/// Old and new app versions syncing through the real `SyncSession` and the real server: "v1" is
/// the built-in schema, "v2" adds `account.tier` and a new entity, `playbook`.
@Suite struct SchemaEvolutionSyncTests {
    static let tier = SchemaAddition.fields([("tier", .optionalText)], of: "account")
    static let playbook = SchemaAddition.entity("playbook", fields: [("title", .optionalText), ("accountID", .optionalText)])
    static let v2 = try! ReplicaSchema(adding: [tier, playbook])

    let replicas: Replicas
    let server: TestServer

    init() throws {
        replicas = try Replicas("SchemaEvolutionSyncTests")
        server = try TestServer()
    }

    func path(_ name: String) -> String { replicas.directory.appendingPathComponent("\(name).rapport").path }
    func make(_ name: String, _ schema: ReplicaSchema = .builtIn) throws -> Store { try Store.create(at: path(name), name: name, schema: schema) }

    @Test func anOldAppEditsARecordANewAppExtendedAndNeitherLosesTheOthersWrite() async throws {
        try server.declare(Self.tier)
        try server.declare(Self.playbook)
        let new = try make("new", Self.v2)
        try new.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        try new.update(entity: "account", id: "acme", values: ["tier": .string("gold")])
        _ = try await session(new, server).sync()

        do {
            let old = try make("old")
            _ = try await session(old, server).sync()
            #expect(try old.accounts.get(id: "acme")?.owner == "kim", "readable by the old app")
            try old.accounts.update(id: "acme") { $0.owner = "lee" }
            let report = try await session(old, server).sync()
            #expect(report.rejected.isEmpty)
        }

        _ = try await session(new, server).sync()
        let seen = try #require(try new.fields(entity: "account", id: "acme"))
        #expect(seen["tier"] == .string("gold"))
        #expect(seen["owner"] == .string("lee"))
        #expect(server.allVersions.first { $0.id == "acme" }?.fields["tier"]?.value == .string("gold"))

        // The old app's file, opened by the upgraded app, reads the field it kept.
        let upgraded = try Store.open(at: path("old"), schema: Self.v2)
        #expect(try upgraded.fields(entity: "account", id: "acme")?["tier"] == .string("gold"))
        #expect(try upgraded.fields(entity: "account", id: "acme")?["owner"] == .string("lee"))
    }

    @Test func aNewEntityIsKeptByAnOldAppAndReadableAfterItsUpgrade() async throws {
        try server.declare(Self.tier)
        try server.declare(Self.playbook)
        let new = try make("new", Self.v2)
        try new.create(entity: "playbook", id: "pb1", values: ["title": .string("Renewal"), "accountID": .string("acme")])
        _ = try await session(new, server).sync()

        do {
            let old = try make("old")
            let report = try await session(old, server).sync()
            #expect(report.pulled == 1)
            #expect(try old.info().unreadable == 1)
        }
        let upgraded = try Store.open(at: path("old"), schema: Self.v2)
        #expect(try upgraded.fields(entity: "playbook", id: "pb1")?["title"] == .string("Renewal"))
        #expect(try upgraded.info().unreadable == 0)
        // And the upgraded app edits it like any record.
        try upgraded.update(entity: "playbook", id: "pb1", values: ["title": .string("Renewal 2027")])
        _ = try await session(upgraded, server).sync()
        _ = try await session(new, server).sync()
        #expect(try new.fields(entity: "playbook", id: "pb1")?["title"] == .string("Renewal 2027"))
    }

    @Test func aNewAppHoldsItsPushesUntilTheWorkspaceDeclaresWhatItWritesAndStillPulls() async throws {
        let old = try make("old")
        try old.accounts.create(Account(id: "globex", name: "Globex"))
        _ = try await session(old, server).sync()

        let new = try make("new", Self.v2)
        try new.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        let pushesBefore = server.pushRequests.count
        await #expect {
            try await session(new, server).sync()
        } throws: { error in
            guard let error = error as? SyncError, error.code == .schemaNotDeclared else { return false }
            return error.message.contains("account.tier") && error.message.contains("playbook.title")
        }
        #expect(try new.accounts.get(id: "globex") != nil, "the pull ran")
        #expect(try new.pendingChanges().count == 1, "nothing was pushed or set aside")
        #expect(try new.rejections().isEmpty)
        #expect(server.pushRequests.count == pushesBefore)

        try server.declare(Self.tier)
        try server.declare(Self.playbook)
        let report = try await session(new, server).sync()
        #expect(report.acknowledged == 1)
        let declared = try await session(new, server).serverSchema()
        #expect(declared.additions == [Self.tier, Self.playbook])
    }
}

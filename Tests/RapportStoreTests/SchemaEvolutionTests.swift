import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// Two app versions in one process: the built-in schema is "v1", and "v2" adds `account.tier`
/// and a whole new entity, `playbook`. Replicas of both exchange versions as a sync would.
@Suite final class SchemaEvolutionTests {
    static let tier = SchemaAddition.fields([("tier", .optionalText)], of: "account")
    static let playbook = SchemaAddition.entity("playbook", fields: [("title", .optionalText), ("accountID", .optionalText)])
    static let v2 = try! ReplicaSchema(adding: [tier, playbook])

    private let directory: URL
    private var pulls = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("SchemaEvolutionTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func replica(_ name: String, _ schema: ReplicaSchema = .builtIn) throws -> Store {
        try Store.create(at: path(name), name: name, identity: .none, schema: schema)
    }

    /// What `from` has queued reaches `to` as a pulled page would (vetted, with a cursor).
    private func send(_ from: Store, to: Store) throws {
        let pending = try from.pendingChanges(limit: .max)
        pulls += 1
        _ = try to.apply(pending.map(\.version), cursor: "e:\(pulls)")
        try from.acknowledge(pending.map(\.token))
    }

    private func newAccount(on store: Store, tier: String?) throws {
        try store.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        if let tier { try store.update(entity: "account", id: "acme", values: ["tier": .string(tier)]) }
    }

    @Test func anOldReplicaKeepsAFieldItDoesNotKnowAndItsOwnEditDoesNotDropIt() throws {
        let new = try replica("new", Self.v2), old = try replica("old")
        try newAccount(on: new, tier: "gold")
        try send(new, to: old)

        // Readable by the old build (its known fields), not set aside.
        #expect(try old.accounts.get(id: "acme")?.name == "Acme")
        #expect(try old.info().unreadable == 0)
        #expect(try old.fields(entity: "account", id: "acme")?["tier"] == .string("gold"))

        try old.accounts.update(id: "acme") { $0.owner = "lee" }
        let pushed = try #require(try old.pendingChanges().first?.version)
        #expect(pushed.fields["tier"] == (try new.version(entity: "account", id: "acme"))?.fields["tier"], "forwarded with its own stamp")

        try send(old, to: new)
        let seen = try #require(try new.fields(entity: "account", id: "acme"))
        #expect(seen["owner"] == .string("lee"))
        #expect(seen["tier"] == .string("gold"))
    }

    @Test func keptFieldsMergeLikeKnownOnesAndTravelInExports() throws {
        let new = try replica("new", Self.v2), old = try replica("old"), other = try replica("other", Self.v2)
        try newAccount(on: new, tier: "gold")
        try send(new, to: old)
        try new.update(entity: "account", id: "acme", values: ["tier": .string("platinum")])
        try send(new, to: old)
        #expect(try old.fields(entity: "account", id: "acme")?["tier"] == .string("platinum"), "a later write of a kept field wins, as for a known one")

        let exported = try old.exportChanges()
        #expect(exported.versions.first?.fields["tier"]?.value == .string("platinum"))
        _ = try other.apply(exported.versions)
        #expect(try other.fields(entity: "account", id: "acme")?["tier"] == .string("platinum"))
    }

    @Test func upgradingTheOldReplicaReadsTheKeptFieldsAndEntitiesInItsColumnsAndTables() throws {
        let new = try replica("new", Self.v2)
        do {
            let old = try replica("old")
            try newAccount(on: new, tier: "gold")
            try new.create(entity: "playbook", id: "pb1", values: ["title": .string("Renewal"), "accountID": .string("acme")])
            try send(new, to: old)
            #expect(try old.info().unreadable == 1, "a whole entity it does not know is kept aside")
            try old.accounts.update(id: "acme") { $0.owner = "lee" }
        }
        let upgraded = try Store.open(at: path("old"), identity: .none, schema: Self.v2)
        #expect(try upgraded.fields(entity: "account", id: "acme")?["tier"] == .string("gold"))
        #expect(try upgraded.fields(entity: "playbook", id: "pb1")?["title"] == .string("Renewal"))
        #expect(try upgraded.info().unreadable == 0)
        #expect(try upgraded.pendingChanges().map(\.token.id) == ["acme"], "the unpushed owner edit is still queued")
        try upgraded.withCore { core in
            #expect(try core.read { try core.extraFields("account", id: "acme") }.isEmpty, "moved into the column")
            let statement = try core.db.prepare("SELECT tier FROM account WHERE id = 'acme'")
            #expect(try statement.step() && statement.string(0) == "gold")
        }
        // The record reads and merges the same after the move: a later write on the new replica lands.
        try new.update(entity: "account", id: "acme", values: ["tier": .string("silver")])
        try send(new, to: upgraded)
        #expect(try upgraded.fields(entity: "account", id: "acme")?["tier"] == .string("silver"))
        #expect(try upgraded.fields(entity: "account", id: "acme")?["owner"] == .string("lee"))
    }

    @Test func aVersionWrittenBeforeAFieldExistedReadsItAsNull() throws {
        do {
            let old = try replica("old")
            try newAccount(on: old, tier: nil)
        }
        let upgraded = try Store.open(at: path("old"), identity: .none, schema: Self.v2)
        let values = try #require(try upgraded.fields(entity: "account", id: "acme"))
        #expect(values["tier"] == .null)
        #expect(try upgraded.version(entity: "account", id: "acme")?.fields["tier"] == nil, "no write of it was made")
        #expect(try upgraded.accounts.get(id: "acme")?.owner == "kim")
        // Writing it later works, and the old fields keep their stamps.
        let before = try #require(try upgraded.version(entity: "account", id: "acme"))
        try upgraded.update(entity: "account", id: "acme", values: ["tier": .string("gold")])
        let after = try #require(try upgraded.version(entity: "account", id: "acme"))
        #expect(after.fields["owner"] == before.fields["owner"])
        #expect(after.fields["tier"]?.value == .string("gold"))
    }

    @Test func aFileANewerVersionUpgradedIsRefusedByAnOlderOneUnmodified() throws {
        _ = try replica("f", Self.v2)
        #expect(throws: StoreError.self) { try Store.open(at: self.path("f"), identity: .none) }
        do {
            _ = try Store.open(at: path("f"), identity: .none)
        } catch let error as StoreError {
            #expect(error.code == .conflict)
            #expect(error.message.contains("newer app version"))
        }
        #expect(try Store.open(at: path("f"), identity: .none, schema: Self.v2).info().name == "f")
    }

    @Test func anUnknownFieldWithABadNameIsRefusedAndTheWritingAppCannotInventFields() throws {
        let old = try replica("old")
        var fields = Account(id: "x", name: "Secret").fieldValues
        fields["no such name!"] = .string("Secret")
        let version = RecordVersion.create(entity: "account", id: "x", fields: fields,
                                           stamp: Stamp(hlc: HLCTimestamp(wallMillis: Int64(Date().timeIntervalSince1970 * 1000)), replica: try ReplicaID("00000000000000aa")))
        let report = try old.apply([version])
        guard case .rejected(let reason, let message)? = report.outcomes.first else {
            Issue.record("accepted a field name that cannot be a column")
            return
        }
        #expect(reason == "invalid_value")
        #expect(!message.contains("Secret"))
        #expect(throws: StoreError.self) { try old.update(entity: "account", id: "x", values: ["tier": .string("gold")]) }
    }

    @Test func schemaAdditionsThatCannotWorkAreRefusedWithAReason() throws {
        func problem(_ addition: SchemaAddition) -> String? { ReplicaSchema.builtIn.problem(adding: addition) }
        #expect(problem(.fields([("tier", .text)], of: "account"))?.contains("must be optional") == true)
        #expect(problem(.fields([("owner", .optionalText)], of: "account"))?.contains("built-in") == true)
        #expect(problem(.fields([("tier", .optionalText)], of: "invoice"))?.contains("no entity") == true)
        #expect(problem(.entity("account", fields: [("x", .optionalText)]))?.contains("already exists") == true)
        #expect(problem(.fields([("2fast", .optionalText)], of: "account"))?.contains("not a field name") == true)
        #expect(problem(.entity("play book", fields: [("x", .optionalText)]))?.contains("not an entity name") == true)
        // SQLite names are case-insensitive: these would clash as columns and tables.
        #expect(problem(.fields([("Owner", .optionalText)], of: "account"))?.contains("already exists") == true)
        #expect(problem(.entity("Account", fields: [("x", .optionalText)]))?.contains("already exists") == true)
        #expect(problem(.fields([("ID", .optionalText)], of: "account"))?.contains("not id or deleted") == true)
        #expect(problem(Self.tier) == nil)
        #expect(Self.v2.additions == [Self.tier, Self.playbook])
    }
}

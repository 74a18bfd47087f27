import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportStore
import Testing

/// Random schedules of old ("v1", built-in schema) and new ("v2", adds `account.tier`) replicas
/// writing, syncing and upgrading, through the real `SyncSession` and server: all converge, and the
/// latest write of `tier` survives everywhere, whichever app versions carried it on the way.
///
/// Not in `RapportSimulation`: its schedules and loss accounting know the built-in schema only, and
/// this property needs neither faults nor restores; a failing seed is named in the message.
@Suite struct SchemaEvolutionPropertyTests {
    static let v2 = try! ReplicaSchema(adding: [.fields([("tier", .optionalText)], of: "account")])

    @Test("old and new replicas converge and never lose a tier", arguments: Array(UInt64(1)...12))
    func mixedVersionsConverge(seed: UInt64) async throws {
        let replicas = try Replicas("SchemaEvolutionProperty")
        let server = try TestServer()
        try server.declare(.fields([("tier", .optionalText)], of: "account"))
        var rng = SplitMix64(seed: seed)
        func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func path(_ i: Int) -> String { replicas.directory.appendingPathComponent("r\(i).rapport").path }

        var isNew = (0..<4).map { _ in roll(2) == 0 }
        var stores = try (0..<4).map { try Store.create(at: path($0), name: "r\($0)", schema: isNew[$0] ? Self.v2 : .builtIn) }
        var tierWrites: [String: [Stamped<FieldValue>]] = [:]
        var created: [String] = []
        var trace: [String] = []

        func noteTier(_ r: Int, _ id: String) throws {
            if let write = try stores[r].version(entity: "account", id: id)?.fields["tier"] { tierWrites[id, default: []].append(write) }
        }

        for step in 0..<60 {
            let r = roll(4)
            switch roll(10) {
            case 0, 1:
                let id = "a\(step)"
                try stores[r].accounts.create(Account(id: id, name: "Customer \(step)", owner: "kim"))
                if isNew[r] { try noteTier(r, id) }  // a v2 create writes tier (null)
                created.append(id)
                trace.append("r\(r) create \(id)")
            case 2, 3:
                let known = try stores[r].accounts.list().map(\.id)
                guard !known.isEmpty else { continue }
                let id = known[roll(known.count)]
                try stores[r].accounts.update(id: id) { $0.owner = "owner-\(step)" }
                trace.append("r\(r) owner \(id)")
            case 4, 5:
                let known = try stores[r].accounts.list().map(\.id)
                guard isNew[r], !known.isEmpty else { continue }
                let id = known[roll(known.count)]
                try stores[r].update(entity: "account", id: id, values: ["tier": .string("tier-\(step)")])
                try noteTier(r, id)
                trace.append("r\(r) tier \(id)")
            case 6:
                guard !isNew[r] else { continue }
                stores[r] = try Store.open(at: path(r), schema: Self.v2)
                isNew[r] = true
                trace.append("r\(r) upgrade")
            default:
                _ = try await session(stores[r], server).sync()
                trace.append("r\(r) sync")
            }
        }
        for _ in 0..<2 {
            for store in stores { _ = try await session(store, server).sync() }
        }

        let context = Comment(rawValue: "seed \(seed): \(trace.joined(separator: "; "))")
        let onServer = server.allVersions.filter { $0.entity == "account" }.sorted { $0.id < $1.id }
        #expect(onServer.count == created.count, context)
        for (index, store) in stores.enumerated() {
            #expect(try store.allVersions(entity: "account") == onServer, "r\(index) differs from the server; \(context.rawValue)")
            #expect(try store.rejections().isEmpty, context)
        }
        for (id, writes) in tierWrites {
            let latest = try #require(writes.max { $0.stamp < $1.stamp })
            #expect(onServer.first { $0.id == id }?.fields["tier"] == latest, "the latest tier of \(id) was lost; \(context.rawValue)")
            for store in stores where store.schema == Self.v2 {
                #expect(try store.fields(entity: "account", id: id)?["tier"] == latest.value, context)
            }
        }
    }
}

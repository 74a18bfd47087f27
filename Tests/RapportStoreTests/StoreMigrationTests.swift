import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// Files written by an older build, opened by this one: what was waiting to be pushed still is.
@Suite final class StoreMigrationTests {
    private let directory: URL
    private static let writer = try! ReplicaID("00000000000000b7")
    private static let stranger = try! ReplicaID("00000000000000c9")
    private static let wall: Int64 = 1_764_000_000_000

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("StoreMigrationTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The device remembers this file as written by `writer`, so opening it keeps the replica id.
    private static let sameDevice = DeviceIdentity(
        load: { path in DeviceIdentity.Marker(path: path, replicaID: writer, clock: HLCTimestamp(wallMillis: wall, counter: 99)) },
        save: { _ in })

    private struct OldRecord {
        let version: RecordVersion
        let seq: Int64
        let outboxChange: Int64?
    }

    /// A replica file at schema 5 as the build that shipped it wrote it: entity rows with their
    /// version blobs and `_seq`, and an outbox keyed by (entity, id) with a change number.
    private func makeSchema5File(_ file: String, records: [OldRecord], changeCounter: Int64) throws {
        let db = try Database(path: file, create: true)
        defer { db.close() }
        try Migrator(applicationID: StoreMigrations.applicationID, migrations: Array(StoreMigrations.all.prefix(5))).prepare(db)
        #expect(try db.pragma("user_version") == 5)
        try db.inTransaction {
            let replica = try db.prepare("""
                INSERT INTO _replica (singleton, replica_id, name, created_at, hlc_wall, hlc_counter, change_counter, max_drift_ms)
                VALUES (1, ?, 'old', ?, ?, 99, ?, ?)
                """)
            try replica.bind(Self.writer.rawValue, at: 1)
            try replica.bind(Self.wall, at: 2)
            try replica.bind(Self.wall, at: 3)
            try replica.bind(changeCounter, at: 4)
            try replica.bind(HybridLogicalClock.defaultMaxDriftMillis, at: 5)
            try replica.run()
            for record in records {
                // An old file has the first release's fields only: later ones are added on open.
                let current = try #require(Entities.byName[record.version.entity])
                let schema = EntitySchema(name: current.name, fields: current.fields.filter(\.required))
                let columns = ["id"] + schema.fields.map { "\"\($0.name)\"" } + ["_deleted", "_version", "_seq"]
                let insert = try db.prepare("INSERT INTO \"\(schema.name)\" (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
                try insert.bind(record.version.id, at: 1)
                for (position, field) in schema.fields.enumerated() {
                    try insert.bind(field: record.version.fields[field.name]?.value ?? .null, at: Int32(position + 2))
                }
                let n = Int32(schema.fields.count)
                try insert.bind(record.version.isDeleted, at: n + 2)
                try insert.bind(bytes: Self.formatOne(record.version, schema: schema), at: n + 3)
                try insert.bind(record.seq, at: n + 4)
                try insert.run()
                if let change = record.outboxChange {
                    let queue = try db.prepare("INSERT INTO _outbox (entity, id, change) VALUES (?, ?, ?)")
                    try queue.bind(schema.name, at: 1)
                    try queue.bind(record.version.id, at: 2)
                    try queue.bind(change, at: 3)
                    try queue.run()
                }
            }
        }
    }

    /// A version blob as builds before migration 6 wrote it (`VersionCodec` format 1: every
    /// field write spelled out, replicas in clock order).
    private static func formatOne(_ version: RecordVersion, schema: EntitySchema) -> [UInt8] {
        var out: [UInt8] = [1]
        func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        let replicas = version.clock.entries.keys.sorted()
        varint(UInt64(replicas.count))
        for replica in replicas {
            var raw = replica.bits
            for _ in 0..<8 { out.append(UInt8(truncatingIfNeeded: raw)); raw >>= 8 }
            varint(version.clock[replica])
        }
        func stamp(_ stamp: Stamp, _ dot: UInt64) {
            varint(UInt64(bitPattern: stamp.hlc.wallMillis))
            varint(UInt64(stamp.hlc.counter))
            varint(UInt64(replicas.firstIndex(of: stamp.replica) ?? 0))
            varint(dot)
        }
        stamp(version.deleted.stamp, version.deleted.dot)
        out.append(version.deleted.value ? 1 : 0)
        for field in schema.fields {
            guard let write = version.fields[field.name] else { out.append(0); continue }
            out.append(1)
            stamp(write.stamp, write.dot)
        }
        return out
    }

    private static func version<Entity: StoredEntity>(_ entity: Entity, counter: UInt32) -> RecordVersion {
        // As a build before any added field wrote it.
        let firstRelease = Set(Entity.schema.fields.filter(\.required).map(\.name))
        return RecordVersion.create(entity: Entity.schema.name, id: entity.id, fields: entity.fieldValues.filter { firstRelease.contains($0.key) },
                             stamp: Stamp(hlc: HLCTimestamp(wallMillis: wall, counter: counter), replica: writer))
    }

    @Test func migration6KeepsEveryPendingChangeWithItsNumberAndPushesTheSameVersions() throws {
        let file = path("old.rapport")
        var deleted = Self.version(Account(id: "a3", name: "Initech"), counter: 4)
        deleted.delete(stamp: Stamp(hlc: HLCTimestamp(wallMillis: Self.wall, counter: 5), replica: Self.writer))
        let records = [
            OldRecord(version: Self.version(Account(id: "a1", name: "Acme"), counter: 1), seq: 1, outboxChange: 9),
            OldRecord(version: Self.version(Account(id: "a2", name: "Globex"), counter: 2), seq: 3, outboxChange: nil),
            OldRecord(version: deleted, seq: 5, outboxChange: 6),
            OldRecord(version: Self.version(Stakeholder(id: "p1", accountID: "a1", name: "Ana"), counter: 3), seq: 7, outboxChange: 8),
        ]
        try makeSchema5File(file, records: records, changeCounter: 9)

        let store = try Store.open(at: file, identity: Self.sameDevice)
        let pending = try store.pendingChanges(limit: .max)
        #expect(pending.map { "\($0.token.entity)/\($0.token.id)#\($0.token.change)" } == ["account/a3#6", "stakeholder/p1#8", "account/a1#9"])
        #expect(pending.map(\.version) == [records[2].version, records[3].version, records[0].version])
        #expect(try store.info().pendingChanges == 3)
        #expect(try store.info().replicaID == Self.writer)

        // Rewritten while its push was in flight: acknowledging what was read leaves the new version queued.
        try store.accounts.update(Account(id: "a1", name: "Acme Corp"))
        #expect(try store.acknowledge(pending.map(\.token)) == 2)
        let left = try store.pendingChanges(limit: .max)
        #expect(left.map(\.version.id) == ["a1"])
        #expect(left[0].token.change > 9)
        #expect(left[0].version.values["name"] == .string("Acme Corp"))

        // A record that was not pending before the upgrade queues once when written.
        try store.accounts.update(Account(id: "a2", name: "Globex Inc"))
        #expect(try store.pendingChanges(limit: .max).map(\.version.id) == ["a1", "a2"])
        #expect(try store.exportChanges(since: 0).versions.count == 4)
    }

    @Test func versionBlobsOfBothFormatsReadBackAsTheSameVersion() throws {
        var edited = Self.version(Assessment(id: "s1", accountID: "a1", stakeholderID: nil, assessedAt: Date(timeIntervalSince1970: 1_764_000_000),
                                             trust: .high, respect: .low, note: "first"), counter: 1)
        edited.write(["note": .string("second"), "trust": .string("low")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: Self.wall + 5), replica: Self.stranger))
        edited.delete(stamp: Stamp(hlc: HLCTimestamp(wallMillis: Self.wall + 9), replica: Self.writer))
        let schema = Assessment.schema
        let values = schema.fields.map { edited.fields[$0.name]?.value ?? .null }
        var codec = VersionCodec()
        let current = codec.encode(edited, schema: schema), old = Self.formatOne(edited, schema: schema)
        #expect(current.first == 2 && old.first == 1)
        #expect(current.count < old.count)
        for blob in [current, old] {
            let decoded = try blob.withUnsafeBytes { try codec.decode($0, entity: "assessment", id: "s1", schema: schema, values: values) }
            #expect(decoded == edited)
        }
    }

    @Test func aMigratedFileHasTheColumnsOfAFreshOne() throws {
        let old = path("old.rapport")
        try makeSchema5File(old, records: [], changeCounter: 0)
        do { _ = try Store.open(at: old, identity: Self.sameDevice) }
        do { _ = try Store.create(at: path("fresh.rapport"), identity: .none) }
        func schema(_ file: String) throws -> [String] {
            let db = try Database(path: file, create: false)
            defer { db.close() }
            let statement = try db.prepare("""
                SELECT m.name || '(' || group_concat(p.name || ' ' || p.type || ' ' || p.pk, ', ') || ')'
                FROM sqlite_schema m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' GROUP BY m.name ORDER BY m.name
                """)
            var tables: [String] = []
            while try statement.step() { tables.append(statement.string(0) ?? "") }
            return tables
        }
        #expect(try schema(old) == schema(path("fresh.rapport")))
    }
}

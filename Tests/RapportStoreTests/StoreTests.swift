import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// Opening, creating and reopening a replica file; identity, clock and refusal of bad files.
@Suite final class StoreTests {
    private let directory: URL
    private static let day = Date(timeIntervalSince1970: 1_764_000_000)

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("StoreTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String = "replica.rapport") -> String {
        directory.appendingPathComponent(name).path
    }

    private static func fixed(_ date: Date) -> WallClock { WallClock { date } }

    private func bytes(_ file: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: file)) }

    // MARK: create and reopen

    @Test func aNewReplicaHasItsNameAnEmptyCursorAndNothingPending() throws {
        let store = try Store.create(at: path(), name: "laptop", wallClock: Self.fixed(Self.day))
        let info = try store.info()
        #expect(info.name == "laptop")
        #expect(info.createdAt == Self.day)
        #expect(info.cursor == "")
        #expect(info.lastSyncAt == nil)
        #expect(info.pendingChanges == 0)
        #expect(info.openConflicts == 0)
        #expect(try store.allVersions().isEmpty)
    }

    @Test func creatingOverAnExistingFileIsRefusedAndLeavesItAlone() throws {
        let file = path()
        do {
            let store = try Store.create(at: file)
            try store.accounts.create(Account(id: "a1", name: "Acme"))
        }
        let before = try bytes(file)
        let error = #expect(throws: StoreError.self) { try Store.create(at: file) }
        #expect(error?.code == .conflict)
        #expect(try bytes(file) == before)
        #expect(try Store.open(at: file).accounts.get(id: "a1")?.name == "Acme")
    }

    @Test func reopeningAReplicaKeepsRecordsTombstonesOutboxJournalAndCursor() throws {
        let file = path()
        let expected: (info: ReplicaInfo, versions: [RecordVersion], pending: [PendingChange], conflicts: [JournalEntry])
        do {
            let store = try Store.create(at: file, name: "phone")
            try store.accounts.create(Account(id: "a1", name: "Acme", segment: "enterprise", arr: 120_000.5,
                                              renewalDate: Self.day, owner: "kim"))
            try store.accounts.create(Account(id: "a2", name: "Globex"))
            try store.accounts.delete(id: "a2")
            try store.assessments.create(Assessment(id: "s1", accountID: "a1", assessedAt: Self.day, trust: .high, respect: .low, note: "renewal call"))

            // A concurrent edit from a peer, so the journal has an entry to keep.
            let peer = try Store.create(at: path("peer.rapport"))
            _ = try peer.apply(try store.pendingChanges().map(\.version))
            try store.accounts.update(Account(id: "a1", name: "Acme Corp", segment: "enterprise", arr: 120_000.5, renewalDate: Self.day, owner: "kim"))
            try peer.accounts.update(Account(id: "a1", name: "ACME", segment: "enterprise", arr: 120_000.5, renewalDate: Self.day, owner: "kim"))
            let report = try store.apply(try peer.pendingChanges().map(\.version), cursor: "page-7")
            #expect(report.conflicts == 1)

            expected = (try store.info(), try store.allVersions(), try store.pendingChanges(), try store.conflicts())
        }

        let reopened = try Store.open(at: file)
        let info = try reopened.info()
        #expect(info == expected.info)
        #expect(info.cursor == "page-7")
        #expect(try reopened.allVersions() == expected.versions)
        #expect(try reopened.pendingChanges() == expected.pending)
        #expect(try reopened.conflicts() == expected.conflicts)
        #expect(try reopened.accounts.get(id: "a2") == nil)
        #expect(try reopened.accounts.get(id: "a2", includeDeleted: true)?.name == "Globex")
    }

    // MARK: identity and clock

    @Test func aReopenedReplicaKeepsItsIdentityAndNeverReusesAStampEvenWhenItsClockGoesBack() throws {
        let file = path()
        let first: Stamp
        let replica: ReplicaID
        do {
            let store = try Store.create(at: file, wallClock: Self.fixed(Self.day))
            try store.accounts.create(Account(id: "a1", name: "Acme"))
            try store.accounts.update(Account(id: "a1", name: "Acme Corp"))
            first = try #require(try store.version(entity: "account", id: "a1")).maxStamp
            replica = try store.info().replicaID
        }

        // Same instant, then an hour earlier: only the persisted clock keeps the stamps apart.
        for clock in [Self.fixed(Self.day), Self.fixed(Self.day.addingTimeInterval(-3600))] {
            let before = try #require(try Store.open(at: file).version(entity: "account", id: "a1")).maxStamp
            let store = try Store.open(at: file, wallClock: clock)
            #expect(try store.info().replicaID == replica)
            #expect(try store.info().clock == before.hlc)
            try store.accounts.update(Account(id: "a1", name: "Acme \(before.hlc.counter)"))
            let after = try #require(try store.version(entity: "account", id: "a1"))
            #expect(after.fields["name"]!.stamp > before)
            #expect(after.fields["name"]!.stamp > first)
            #expect(after.fields["name"]!.stamp.replica == replica)
        }
    }

    @Test func twoNewReplicasGetDifferentIdentities() throws {
        let a = try Store.create(at: path("a.rapport"))
        let b = try Store.create(at: path("b.rapport"))
        #expect(try a.info().replicaID != b.info().replicaID)
    }

    // MARK: two connections to one file

    @Test func aSecondStoreOnTheSameFileSeesCommittedDataAndSharesTheClock() throws {
        let file = path()
        let first = try Store.create(at: file)
        let second = try Store.open(at: file)
        #expect(try second.info().replicaID == first.info().replicaID)

        try first.accounts.create(Account(id: "a1", name: "Acme"))
        #expect(try second.accounts.get(id: "a1")?.name == "Acme")

        try second.accounts.create(Account(id: "a2", name: "Globex"))
        try first.accounts.update(Account(id: "a2", name: "Globex Inc"))
        #expect(try second.accounts.get(id: "a2")?.name == "Globex Inc")

        // Writes through either connection come from one replica: one clock, one outbox.
        let a1 = try #require(try second.version(entity: "account", id: "a1"))
        let a2 = try #require(try second.version(entity: "account", id: "a2"))
        #expect(a2.fields["segment"]!.stamp > a1.maxStamp)
        #expect(a2.fields["name"]!.stamp > a2.fields["segment"]!.stamp)
        #expect(a2.clock[a1.maxStamp.replica] == 2)
        #expect(try first.pendingChanges().map(\.version.id) == ["a1", "a2"])
        #expect(try second.pendingChanges() == first.pendingChanges())
        #expect(try second.info().pendingChanges == 2)
    }

    // MARK: files that are not replicas

    enum BadFile: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case randomBytes, foreignSQLite, newerRapport, truncatedRapport
        var testDescription: String { rawValue }
    }

    private func makeBadFile(_ kind: BadFile) throws -> String {
        let file = path()
        switch kind {
        case .randomBytes:
            var generator = SystemRandomNumberGenerator()
            try Data((0..<8192).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).write(to: URL(fileURLWithPath: file))
        case .foreignSQLite:
            let db = try Database(path: file, create: true)
            try db.execute("CREATE TABLE account (id TEXT PRIMARY KEY, name TEXT); INSERT INTO account VALUES ('a1', 'Acme')")
            db.close()
        case .newerRapport:
            do { _ = try Store.create(at: file) }
            let db = try Database(path: file, create: false)
            try db.execute("PRAGMA user_version = \(StoreMigrations.all.count + 1)")
            db.close()
        case .truncatedRapport:
            do {
                let store = try Store.create(at: file)
                try store.accounts.createAll((0..<2000).map { Account(id: "a\($0)", name: "Account \($0)", segment: "mid-market") })
            }
            let full = try bytes(file)
            #expect(full.count > 64 * 4096)
            try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: file))
        }
        return file
    }

    private static func expectedCode(_ kind: BadFile) -> StoreError.Code {
        switch kind {
        case .randomBytes: .notADatabase
        case .foreignSQLite: .notARapportDatabase
        case .newerRapport: .newerSchema
        case .truncatedRapport: .corruptDatabase
        }
    }

    @Test(arguments: BadFile.allCases)
    func openingAFileThatIsNotAUsableReplicaFailsWithItsCodeAndLeavesTheFileUntouched(_ kind: BadFile) throws {
        let file = try makeBadFile(kind)
        let before = try bytes(file)
        let error = #expect(throws: StoreError.self) { try Store.open(at: file) }
        #expect(error?.code == Self.expectedCode(kind))
        #expect(error?.message.contains("not modified") == true)
        #expect(try bytes(file) == before)
        // Refusal is stable: a second attempt says the same thing.
        #expect((#expect(throws: StoreError.self) { try Store.open(at: file) })?.code == Self.expectedCode(kind))
    }

    @Test func openingAMissingFileIsFileNotFoundAndCreatesNothing() throws {
        let file = path("missing.rapport")
        let error = #expect(throws: StoreError.self) { try Store.open(at: file) }
        #expect(error?.code == .fileNotFound)
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test func damagedVersionMetadataIsReportedAsCorruptNotTrusted() throws {
        let file = path()
        let store = try Store.create(at: file)
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        let db = try Database(path: file, create: false)
        try db.execute("UPDATE account SET _version = x'01ff' WHERE id = 'a1'")
        db.close()

        let error = #expect(throws: StoreError.self) { try store.version(entity: "account", id: "a1") }
        #expect(error?.code == .corruptDatabase)
        #expect((#expect(throws: StoreError.self) { try store.accounts.update(Account(id: "a1", name: "Acme Corp")) })?.code == .corruptDatabase)
    }

    // MARK: schema

    @Test func everyEntityTableHasExactlyTheColumnsOfItsSchema() throws {
        let file = path()
        do { _ = try Store.create(at: file) }
        let db = try Database(path: file, create: false)
        defer { db.close() }
        for schema in Entities.all {
            let statement = try db.prepare("SELECT name, type FROM pragma_table_info(?) ORDER BY cid")
            try statement.bind(schema.name, at: 1)
            var columns: [String] = []
            var types: [String: String] = [:]
            while try statement.step() {
                let name = statement.string(0) ?? ""
                columns.append(name)
                types[name] = statement.string(1)
            }
            // Bookkeeping columns as documented in StoreMigrations; everything else is a schema field.
            // Fields added after the first release are columns appended after the bookkeeping ones.
            let first = schema.fields.filter(\.required).map(\.name), added = schema.fields.filter { !$0.required }.map(\.name)
            #expect(columns == ["id"] + first + ["_deleted", "_version", "_seq", "_pending"] + added, "table \(schema.name)")
            for field in schema.fields {
                #expect(types[field.name] == field.kind.sqlType, "\(schema.name).\(field.name)")
            }
        }
    }

    @Test func everyDomainTypeHasASchemaInEntitiesAll() {
        let names = [Account.schema, Stakeholder.schema, Assessment.schema, CrisisEvent.schema,
                     Objective.schema, RapportModel.Measurement.schema, WeightSet.schema, ConflictResolution.schema].map(\.name)
        #expect(Entities.all.map(\.name).sorted() == names.sorted())
        #expect(Set(names).count == names.count)
        #expect(Entities.byName.count == names.count)
    }
}

import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// Typed create, get, list, update, delete and restore of every domain type.
@Suite final class RepositoryTests {
    private let directory: URL
    private let store: Store
    private static let day = Date(timeIntervalSince1970: 1_764_000_000)

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("RepositoryTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store.create(at: directory.appendingPathComponent("replica.rapport").path)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func roundTrip<E: StoredEntity & Equatable>(_ repository: Repository<E>, _ values: [E]) throws {
        for value in values { try repository.create(value) }
        for value in values { #expect(try repository.get(id: value.id) == value) }
        #expect(try repository.list() == values.sorted { $0.id < $1.id })
        // Entities do not leak into each other's tables.
        #expect(try store.allVersions(entity: E.schema.name).map(\.id) == values.map(\.id).sorted())
    }

    // MARK: round trips

    @Test func accountsRoundTrip() throws {
        try roundTrip(store.accounts, [
            Account(id: "a2", name: "Globex", segment: "smb", arr: 0.1 + 0.2, renewalDate: Date(timeIntervalSince1970: 1_764_000_000.123), owner: "kim"),
            Account(id: "a1", name: "Acme — Ünïcode ✓", segment: "", arr: 0, renewalDate: nil, owner: ""),
            Account(id: "a3", name: "Initech", arr: -1_234_567.89),
        ])
    }

    @Test func aDateNoReplicaWouldAcceptIsRefusedAtTheLocalWriteInsteadOfStickingInTheOutbox() throws {
        // Year 33658: a server and every other replica refuse it, so the write must not happen here either.
        let farOff = Account(id: "far", name: "Far Off", renewalDate: Date(timeIntervalSince1970: 1e12), owner: "kim")
        #expect { try store.accounts.create(farOff) } throws: { error in
            let message = (error as? StoreError)?.message ?? ""
            return (error as? StoreError)?.code == .invalidArgument && message.contains("account.renewalDate") && message.contains("9999-12-31")
        }
        #expect(try store.pendingChanges().isEmpty)
        let lastDay = Account(id: "last", name: "Last Day", renewalDate: Date(timeIntervalSince1970: 253_402_300_799.999), owner: "kim")
        try store.accounts.create(lastDay)
        #expect(try store.accounts.get(id: "last")?.renewalDate == lastDay.renewalDate)
    }

    @Test func stakeholdersRoundTrip() throws {
        try roundTrip(store.stakeholders, [
            Stakeholder(id: "p1", accountID: "a1", name: "Ana", role: "VP Ops", email: "ana@example.com"),
            Stakeholder(id: "p2", accountID: "a1", name: "Bo", role: "", email: nil),
        ])
    }

    @Test func assessmentsRoundTrip() throws {
        try roundTrip(store.assessments, [
            Assessment(id: "s1", accountID: "a1", stakeholderID: "p1", assessedAt: Self.day, trust: .high, respect: .low, note: "QBR went well"),
            Assessment(id: "s2", accountID: "a1", stakeholderID: nil, assessedAt: Date(timeIntervalSince1970: 1_764_086_400.001), trust: .low, respect: .high),
        ])
    }

    @Test func crisesRoundTrip() throws {
        try roundTrip(store.crises, [
            CrisisEvent(id: "c1", accountID: "a1", startedAt: Self.day, resolvedAt: Self.day.addingTimeInterval(7200), severity: .critical, summary: "outage"),
            CrisisEvent(id: "c2", accountID: "a2", startedAt: Self.day, resolvedAt: nil, severity: .low),
        ])
    }

    @Test func objectivesRoundTrip() throws {
        try roundTrip(store.objectives, [
            Objective(id: "o1", key: .grossChurn, name: "Gross churn", direction: .lowerIsBetter, target: 0.05, normaliser: .linear(lower: 0, upper: 0.2)),
            Objective(id: "o2", key: .custom("adoption"), name: "Adoption", direction: .higherIsBetter, target: nil,
                      normaliser: .bands([.init(upTo: 10, score: 20), .init(upTo: 50, score: 70.5)])),
            Objective(id: "o3", key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .passthrough),
        ])
    }

    @Test func measurementsRoundTrip() throws {
        try roundTrip(store.measurements, [
            RapportModel.Measurement(id: "m1", objectiveID: "o1", period: try Period("2026-Q2"), value: 0.15),
            RapportModel.Measurement(id: "m2", objectiveID: "o1", period: try Period("2026-11"), value: -3),
            RapportModel.Measurement(id: "m3", objectiveID: "o2", period: try Period("2026"), value: 1e9),
        ])
    }

    @Test func weightSetsRoundTrip() throws {
        try roundTrip(store.weightSets, [
            WeightSet(id: "w1", effectiveFrom: Self.day, reason: "initial", weights: ["o1": 1, "o2": 0.5]),
            WeightSet(id: "w2", effectiveFrom: Self.day.addingTimeInterval(90 * 86_400), reason: "after the outage", weights: [:]),
        ])
    }

    @Test func listCanFilterByOneField() throws {
        try store.stakeholders.createAll([
            Stakeholder(id: "p1", accountID: "a1", name: "Ana"),
            Stakeholder(id: "p2", accountID: "a2", name: "Bo"),
            Stakeholder(id: "p3", accountID: "a1", name: "Cy"),
        ])
        try store.stakeholders.delete(id: "p3")
        #expect(try store.stakeholders.list(where: "accountID", equals: .string("a1")).map(\.id) == ["p1"])
        #expect(try store.stakeholders.list(includeDeleted: true, where: "accountID", equals: .string("a1")).map(\.id) == ["p1", "p3"])
        let error = #expect(throws: StoreError.self) { try self.store.stakeholders.list(where: "accountID; DROP TABLE stakeholder", equals: .string("a1")) }
        #expect(error?.code == .invalidArgument)
        #expect(try store.stakeholders.list().count == 2)
    }

    // MARK: update

    @Test func anUpdateStampsOnlyTheFieldsThatChangedAndCountsOneWrite() throws {
        let original = Account(id: "a1", name: "Acme", segment: "smb", arr: 10_000, renewalDate: Self.day, owner: "kim")
        try store.accounts.create(original)
        let before = try #require(try store.version(entity: "account", id: "a1"))
        let replica = try store.info().replicaID
        #expect(before.clock[replica] == 1)

        var edited = original
        edited.arr = 12_500
        edited.owner = "lee"
        #expect(try store.accounts.update(edited) == ["arr", "owner"])

        let after = try #require(try store.version(entity: "account", id: "a1"))
        #expect(after.clock[replica] == 2)
        #expect(after.clock.entries.count == 1)
        for name in ["name", "segment", "renewalDate"] {
            #expect(after.fields[name] == before.fields[name], "\(name) keeps its stamp")
        }
        for name in ["arr", "owner"] {
            #expect(after.fields[name]!.stamp > before.maxStamp, "\(name) gets a newer stamp")
            #expect(after.fields[name]!.dot == 2)
        }
        #expect(after.fields["arr"]!.stamp == after.fields["owner"]!.stamp)
        #expect(after.deleted == before.deleted)
        #expect(try store.accounts.get(id: "a1") == edited)
    }

    @Test func anUpdateThatChangesNothingWritesNothing() throws {
        let account = Account(id: "a1", name: "Acme")
        try store.accounts.create(account)
        let before = try #require(try store.version(entity: "account", id: "a1"))
        let pending = try store.pendingChanges()

        #expect(try store.accounts.update(account).isEmpty)
        #expect(try store.version(entity: "account", id: "a1") == before)
        #expect(try store.pendingChanges() == pending)
    }

    @Test func writingARecordThatDoesNotExistIsNotFound() throws {
        let update = #expect(throws: StoreError.self) { try self.store.accounts.update(Account(id: "ghost", name: "Ghost")) }
        #expect(update?.code == .notFound)
        #expect((#expect(throws: StoreError.self) { try self.store.accounts.delete(id: "ghost") })?.code == .notFound)
        #expect((#expect(throws: StoreError.self) { try self.store.accounts.restore(id: "ghost") })?.code == .notFound)
        #expect(try store.allVersions().isEmpty)
        #expect(try store.pendingChanges().isEmpty)
    }

    @Test func creatingAnIdThatExistsIsAConflictAndKeepsTheStoredRecord() throws {
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        let before = try store.version(entity: "account", id: "a1")
        let error = #expect(throws: StoreError.self) { try self.store.accounts.create(Account(id: "a1", name: "Impostor")) }
        #expect(error?.code == .conflict)
        #expect(try store.version(entity: "account", id: "a1") == before)
    }

    // MARK: delete and restore

    @Test func aDeletedRecordIsHiddenButStillFoundWhenAskedFor() throws {
        let account = Account(id: "a1", name: "Acme")
        try store.accounts.createAll([account, Account(id: "a2", name: "Globex")])
        #expect(try store.accounts.delete(id: "a1"))
        #expect(try !store.accounts.delete(id: "a1"))

        #expect(try store.accounts.get(id: "a1") == nil)
        #expect(try store.accounts.list().map(\.id) == ["a2"])
        #expect(try store.accounts.get(id: "a1", includeDeleted: true) == account)
        #expect(try store.accounts.list(includeDeleted: true).map(\.id) == ["a1", "a2"])
        #expect(try store.accounts.isDeleted(id: "a1") == true)
        #expect(try store.accounts.isDeleted(id: "a2") == false)
        #expect(try store.accounts.isDeleted(id: "nope") == nil)
        #expect(try store.version(entity: "account", id: "a1")?.isDeleted == true)
    }

    @Test func restoreBringsARecordBackWithItsLatestValues() throws {
        try store.accounts.create(Account(id: "a1", name: "Acme", arr: 1))
        try store.accounts.update(Account(id: "a1", name: "Acme Corp", arr: 2))
        try store.accounts.delete(id: "a1")
        // An edit made while deleted stays hidden until the record comes back.
        try store.accounts.update(Account(id: "a1", name: "Acme Corporation", arr: 3))
        #expect(try store.accounts.get(id: "a1") == nil)

        #expect(try store.accounts.restore(id: "a1"))
        #expect(try !store.accounts.restore(id: "a1"))
        #expect(try store.accounts.get(id: "a1") == Account(id: "a1", name: "Acme Corporation", arr: 3))
        let version = try #require(try store.version(entity: "account", id: "a1"))
        #expect(version.deleted.value == false)
        #expect(version.deleted.stamp == version.maxStamp)
        #expect(version.clock[try store.info().replicaID] == 5)
    }

    // MARK: batches

    @Test func createAllWritesNothingWhenOneRecordInTheMiddleFails() throws {
        try store.accounts.create(Account(id: "a2", name: "Globex"))
        let versions = try store.allVersions()
        let pending = try store.pendingChanges()

        let error = #expect(throws: StoreError.self) {
            try self.store.accounts.createAll([
                Account(id: "a1", name: "Acme"), Account(id: "a3", name: "Initech"),
                Account(id: "a2", name: "Globex again"),
                Account(id: "a4", name: "Umbrella"),
            ])
        }
        #expect(error?.code == .conflict)
        #expect(try store.allVersions() == versions)
        #expect(try store.pendingChanges() == pending)
        #expect(try store.accounts.list().map(\.name) == ["Globex"])

        // The store is still usable, and the same batch without the duplicate goes through.
        try store.accounts.createAll([Account(id: "a1", name: "Acme"), Account(id: "a3", name: "Initech")])
        #expect(try store.accounts.list().map(\.id) == ["a1", "a2", "a3"])
    }

    @Test func createAllRefusesADuplicateIdWithinTheBatch() throws {
        let error = #expect(throws: StoreError.self) {
            try self.store.accounts.createAll([Account(id: "a1", name: "Acme"), Account(id: "a2", name: "Globex"), Account(id: "a1", name: "Acme 2")])
        }
        #expect(error?.code == .conflict)
        #expect(try store.allVersions().isEmpty)
        #expect(try store.pendingChanges().isEmpty)
    }

    @Test func aBatchThatThrowsMidwayRollsBackEveryKindOfWrite() throws {
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        let versions = try store.allVersions()
        let pending = try store.pendingChanges()
        let clock = try store.info().clock

        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try self.store.batch { batch in
                try batch.update(Account(id: "a1", name: "Acme Corp"))
                try batch.create(Stakeholder(id: "p1", accountID: "a1", name: "Ana"))
                try batch.delete(Account.self, id: "a1")
                throw Abort()
            }
        }
        #expect(try store.allVersions() == versions)
        #expect(try store.pendingChanges() == pending)
        #expect(try store.info().clock == clock)
    }

    // MARK: invalid values

    enum Invalid: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case notANumber, infinite, emptyID, overlongID
        var testDescription: String { rawValue }

        var account: Account {
            switch self {
            case .notANumber: Account(id: "a1", name: "Acme", arr: .nan)
            case .infinite: Account(id: "a1", name: "Acme", arr: .infinity)
            case .emptyID: Account(id: "", name: "Acme")
            case .overlongID: Account(id: String(repeating: "x", count: 257), name: "Acme")
            }
        }
    }

    /// Anything a peer would refuse must be refused here too, or it would sit in the outbox forever.
    @Test(arguments: Invalid.allCases)
    func aValueTheSyncProtocolRefusesIsRejectedLocally(_ invalid: Invalid) throws {
        let error = #expect(throws: StoreError.self) { try self.store.accounts.create(invalid.account) }
        #expect(error?.code == .invalidArgument)
        #expect(try store.allVersions().isEmpty)
        #expect(try store.pendingChanges().isEmpty)
    }

    @Test func anUpdateToANonFiniteNumberIsRejectedAndKeepsTheOldValue() throws {
        try store.accounts.create(Account(id: "a1", name: "Acme", arr: 5))
        let error = #expect(throws: StoreError.self) { try self.store.accounts.update(Account(id: "a1", name: "Acme", arr: .nan)) }
        #expect(error?.code == .invalidArgument)
        #expect(try store.accounts.get(id: "a1")?.arr == 5)
    }

    @Test func fieldValuesThatDoNotFitTheSchemaAreRejected() throws {
        try store.assessments.create(Assessment(id: "s1", accountID: "a1", assessedAt: Self.day, trust: .high, respect: .high))
        let cases: [(String, [String: FieldValue])] = [
            ("unknown field", ["trust": .string("high"), "mood": .string("good")]),
            ("choice outside the enum", ["trust": .string("medium")]),
            ("wrong type", ["assessedAt": .string("yesterday")]),
            ("null for a required field", ["note": .null]),
        ]
        for (label, values) in cases {
            let error = #expect(throws: StoreError.self, "\(label)") {
                try self.store.withCore { try $0.update("assessment", id: "s1", values: values) }
            }
            #expect(error?.code == .invalidArgument, "\(label)")
            #expect(error?.description.contains("medium") == false, "messages never echo values")
        }
        var missing = Assessment(id: "s2", accountID: "a1", assessedAt: Self.day, trust: .low, respect: .low).fieldValues
        missing["note"] = nil
        let error = #expect(throws: StoreError.self) { try self.store.withCore { try $0.create("assessment", id: "s2", values: missing) } }
        #expect(error?.code == .invalidArgument)
        #expect(try store.assessments.list().map(\.id) == ["s1"])
        #expect(try store.pendingChanges().count == 1)
    }
}

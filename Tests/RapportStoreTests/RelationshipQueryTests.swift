import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// Stakeholders count: the account's relationship, crises, attention and the portfolio follow the people.
@Suite final class RelationshipQueryTests {
    private let directory: URL
    private let store: Store
    private static let now = Date(timeIntervalSince1970: 1_764_000_000)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("RelationshipQueryTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store.create(at: directory.appendingPathComponent("replica.rapport").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private static func daysAgo(_ days: Int) -> Date { now.addingTimeInterval(-Double(days) * 86_400) }

    private func assess(_ id: String, _ account: String, _ person: String?, daysAgo days: Int, _ trust: Level, _ respect: Level) throws {
        try store.assessments.create(Assessment(id: id, accountID: account, stakeholderID: person, assessedAt: Self.daysAgo(days), trust: trust, respect: respect))
    }

    @Test func theKeyFlagIsStoredEditedAndDecidesTheAccountsRelationship() throws {
        try store.accounts.create(Account(id: "acme", name: "Acme", arr: 100))
        try store.stakeholders.createAll([
            Stakeholder(id: "ana", accountID: "acme", name: "Ana"), Stakeholder(id: "bo", accountID: "acme", name: "Bo"),
        ])
        try assess("1", "acme", "ana", daysAgo: 5, .low, .high)
        try assess("2", "acme", "bo", daysAgo: 1, .high, .high)
        // Nobody is key: everyone assessed counts, and Ana is Low although the latest assessment is High.
        #expect(try store.accountOverviews().first?.relationship == .low)

        #expect(try store.stakeholders.update(id: "bo") { $0.isKey = true } == ["isKey"])
        #expect(try store.stakeholders.get(id: "bo")?.isKey == true)
        let overview = try #require(try store.accountOverviews().first)
        #expect(overview.relationship == .high)
        #expect(overview.relationships.basis == .keyStakeholders)
        #expect(try store.needingAttention(days: 30, now: Self.now).isEmpty)

        // Removing Bo (the only key stakeholder) brings Ana's Low back into the account's relationship.
        try store.stakeholders.delete(id: "bo")
        #expect(try store.accountOverviews().first?.relationship == .low)
        #expect(try store.needingAttention(days: 30, now: Self.now).map(\.reason) == [.lowRelationship])
    }

    @Test func attentionFlagsCrisesRenewalsAndStaleAssessmentsMostUrgentFirst() throws {
        try store.accounts.createAll([
            Account(id: "dropped", name: "A dropped", arr: 10), Account(id: "open", name: "B open", arr: 20),
            Account(id: "unknown", name: "C unknown", arr: 30),
            Account(id: "renewal", name: "D renewal", arr: 40, renewalDate: Self.now.addingTimeInterval(20 * 86_400)),
            Account(id: "fine", name: "E fine", arr: 50, renewalDate: Self.now.addingTimeInterval(20 * 86_400)),
        ])
        try store.crises.createAll([
            CrisisEvent(id: "c-d", accountID: "dropped", startedAt: Self.daysAgo(20), resolvedAt: Self.daysAgo(15), severity: .high),
            CrisisEvent(id: "c-o", accountID: "open", startedAt: Self.daysAgo(2), severity: .medium),
            CrisisEvent(id: "c-u", accountID: "unknown", startedAt: Self.daysAgo(20), resolvedAt: Self.daysAgo(15), severity: .low),
        ])
        try assess("d1", "dropped", nil, daysAgo: 25, .high, .high)
        try assess("d2", "dropped", nil, daysAgo: 10, .high, .low)
        try assess("o1", "open", nil, daysAgo: 5, .high, .high)
        try assess("u1", "unknown", nil, daysAgo: 25, .high, .high)
        try assess("r1", "renewal", nil, daysAgo: 3, .low, .low)
        try assess("f1", "fine", nil, daysAgo: 3, .high, .high)

        let items = try store.needingAttention(days: 21, renewalDays: 30, now: Self.now)
        #expect(items.map(\.overview.account.id) == ["dropped", "open", "unknown", "renewal"])
        #expect(items[0].reasons == [.droppedInCrisis, .lowRelationship])
        #expect(items[0].droppedRelationships == ["unnamed"])
        #expect(items[1].reasons == [.openCrisis])
        #expect(items[2].reasons == [.crisisNotReassessed, .notAssessedRecently])
        #expect(items[3].reasons == [.renewalAtRisk, .lowRelationship])
        // A renewal outside the window is not flagged.
        #expect(try store.needingAttention(days: 21, renewalDays: 10, now: Self.now)[3].reasons == [.lowRelationship])

        let portfolio = try store.portfolio(staleDays: 21, renewalDays: 30, now: Self.now)
        #expect(portfolio.entries.map(\.overview.account.id) == ["dropped", "renewal", "open", "unknown", "fine"])
        #expect(portfolio.highAccounts == 3 && portfolio.lowAccounts == 2 && portfolio.unassessedAccounts == 0)
        #expect(portfolio.arr == 150)
        #expect(portfolio.arrAtRisk == 10 + 40)
    }

    @Test func thePortfolioFiltersByOwnerAndSegment() throws {
        try store.accounts.createAll([
            Account(id: "a", name: "A", segment: "enterprise", arr: 100, owner: "dana"),
            Account(id: "b", name: "B", segment: "smb", arr: 10, owner: "dana"),
            Account(id: "c", name: "C", segment: "enterprise", arr: 1000, owner: "sam"),
        ])
        try assess("1", "a", nil, daysAgo: 1, .low, .low)
        try assess("2", "c", nil, daysAgo: 1, .low, .high)
        #expect(try store.portfolio(owner: "Dana", now: Self.now).entries.map(\.overview.account.id) == ["a", "b"])
        #expect(try store.portfolio(segment: "enterprise", now: Self.now).entries.map(\.overview.account.id) == ["c", "a"])
        let danaEnterprise = try store.portfolio(owner: "dana", segment: "enterprise", now: Self.now)
        #expect(danaEnterprise.entries.map(\.overview.account.id) == ["a"])
        #expect(danaEnterprise.arrAtRisk == 100)
    }

    @Test func aStakeholderFromABuildBeforeTheKeyFlagIsAcceptedAndIsNotKeyAndFlaggingItSyncsOneField() throws {
        let stamp = Stamp(hlc: HLCTimestamp(wallMillis: Int64(Self.now.timeIntervalSince1970 * 1000)), replica: try ReplicaID("00000000000000aa"))
        let old = RecordVersion.create(entity: "stakeholder", id: "p-old", fields: [
            "accountID": .string("acme"), "name": .string("Old"), "role": .string(""), "email": .null,
        ], stamp: stamp)
        _ = try store.apply([old])
        #expect(try store.stakeholders.get(id: "p-old")?.isKey == false)
        // Editing another field does not write the flag nobody changed.
        #expect(try store.stakeholders.update(id: "p-old") { $0.role = "CTO" } == ["role"])
        #expect(try store.stakeholders.update(id: "p-old") { $0.isKey = true } == ["isKey"])
        #expect(try store.version(entity: "stakeholder", id: "p-old")?.fields["isKey"]?.value == .number(1))
    }
}


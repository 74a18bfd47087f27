import Foundation
import RapportModel
import Testing

/// The account's relationship follows from its people: key stakeholders decide, else everyone assessed.
struct AccountRelationshipTests {
    static let ana = Stakeholder(id: "p-ana", accountID: "acme", name: "Ana", role: "VP Ops", isKey: true)
    static let bo = Stakeholder(id: "p-bo", accountID: "acme", name: "Bo", role: "Admin")
    static let cy = Stakeholder(id: "p-cy", accountID: "acme", name: "Cy", role: "CFO", isKey: true)

    static func assess(_ id: String, _ who: Stakeholder?, _ day: String, _ trust: Level, _ respect: Level, account: String = "acme") -> Assessment {
        Assessment(id: id, accountID: account, stakeholderID: who?.id, assessedAt: utc(day), trust: trust, respect: respect)
    }

    @Test func aLowKeyStakeholderMakesTheAccountLowWhateverOthersSay() {
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.ana, Self.bo, Self.cy], assessments: [
            Self.assess("1", Self.ana, "2026-01-01", .high, .high),
            Self.assess("2", Self.cy, "2026-01-02", .high, .low),
            // The most recent assessment of anyone is High, and Bo is not key: it must not decide.
            Self.assess("3", Self.bo, "2026-01-03", .high, .high),
            Self.assess("4", nil, "2026-01-04", .high, .high),
        ])
        #expect(derived.level == .low)
        #expect(derived.basis == .keyStakeholders)
        #expect(derived.counted.map(\.name) == ["Ana", "Cy"])
        #expect(derived.lowRelationships.map(\.name) == ["Cy"])
        #expect(derived.latestAssessment?.id == "4")
        #expect(derived.relationships.map(\.name) == ["Ana", "Bo", "Cy", "unnamed"])
    }

    @Test func withoutKeyStakeholdersEveryAssessedRelationshipCountsTheUnnamedOneIncluded() {
        let bo = Self.bo
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: [bo], assessments: [
            Self.assess("1", bo, "2026-01-01", .high, .high),
            Self.assess("2", nil, "2026-01-02", .low, .high),
            Self.assess("3", nil, "2026-01-05", .high, .high),
        ])
        #expect(derived.basis == .allAssessed)
        #expect(derived.level == .high)
        #expect(derived.counted.map(\.name) == ["Bo", "unnamed"])
        #expect(derived.relationships.last?.history.map(\.id) == ["2", "3"])
    }

    @Test func keyStakeholdersNeverAssessedDoNotHideWhatOthersSaid() {
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.ana, Self.bo], assessments: [
            Self.assess("1", Self.bo, "2026-01-01", .low, .low),
        ])
        #expect(derived.basis == .allAssessed)
        #expect(derived.level == .low)
        #expect(derived.unassessedKeyStakeholders.map(\.id) == ["p-ana"])
    }

    @Test func nothingAssessedHasNoLevelAndRemovedPeopleAndOtherAccountsDoNotCount() {
        let empty = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.ana], assessments: [])
        #expect(empty.level == nil && empty.basis == .notAssessed)
        // "p-gone" is not a live stakeholder of acme (removed): their Low does not count.
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.bo], assessments: [
            Assessment(id: "1", accountID: "acme", stakeholderID: "p-gone", assessedAt: utc("2026-01-01"), trust: .low, respect: .low),
            Self.assess("2", Self.bo, "2026-01-01", .high, .high),
            Self.assess("3", nil, "2026-01-09", .low, .low, account: "globex"),
        ])
        #expect(derived.level == .high)
        #expect(derived.relationships.map(\.name) == ["Bo"])
    }

    @Test func changesListOnlyLevelChangesAndMarkHighToLowDrops() {
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.ana, Self.bo], assessments: [
            Self.assess("1", Self.ana, "2026-01-01", .high, .high),
            Self.assess("2", Self.ana, "2026-02-01", .high, .high),
            Self.assess("3", Self.ana, "2026-03-01", .low, .high),
            Self.assess("4", Self.bo, "2026-03-02", .low, .low),
            Self.assess("5", Self.ana, "2026-04-01", .high, .high),
        ])
        let changes = derived.changes
        #expect(changes.map(\.assessmentID) == ["1", "3", "4", "5"])
        #expect(changes.map(\.isDrop) == [false, true, false, false])
        #expect(changes.map(\.from) == [nil, .high, nil, .low])
        #expect(changes.map(\.name) == ["Ana", "Ana", "Bo", "Ana"])
    }

    // MARK: crises per relationship

    static let crisis = CrisisEvent(id: "c1", accountID: "acme", startedAt: utc("2026-03-01"), resolvedAt: utc("2026-03-10"), severity: .high)

    @Test func aCrisisIsJudgedPerRelationshipAndTheAccountSaysWhoDropped() {
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.ana, Self.bo, Self.cy], assessments: [
            Self.assess("a1", Self.ana, "2026-02-01", .high, .high), Self.assess("a2", Self.ana, "2026-03-12", .high, .high),
            Self.assess("c1", Self.cy, "2026-02-01", .high, .high), Self.assess("c2", Self.cy, "2026-03-15", .low, .high),
            Self.assess("b1", Self.bo, "2026-02-01", .high, .high),
        ])
        let outcome = Self.crisis.accountOutcome(relationships: derived.relationships)
        #expect(outcome.verdict == .dropped)
        #expect(outcome.dropped.map(\.name) == ["Cy"])
        #expect(outcome.entries.map(\.outcome.verdict) == [.held, .unknown, .dropped])
        // Bo is not key, so Bo's missing re-assessment does not make the account's verdict unknown.
        #expect(outcome.counted.map(\.name) == ["Ana", "Cy"])
    }

    @Test func anUnknownOutcomeSaysWhoToAssess() {
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.ana, Self.cy], assessments: [
            Self.assess("a1", Self.ana, "2026-02-01", .high, .high), Self.assess("a2", Self.ana, "2026-03-12", .high, .high),
            Self.assess("c1", Self.cy, "2026-02-01", .high, .high),
        ])
        let outcome = Self.crisis.accountOutcome(relationships: derived.relationships)
        #expect(outcome.verdict == .unknown && outcome.unknownReason == .noAssessmentAfter)
        #expect(outcome.awaitingAssessment.map(\.stakeholderID) == ["p-cy"])

        var open = Self.crisis
        open.resolvedAt = nil
        #expect(open.accountOutcome(relationships: derived.relationships).unknownReason == .unresolved)
        let nobodyBefore = AccountRelationship.derive(accountID: "acme", stakeholders: [Self.ana], assessments: [
            Self.assess("a2", Self.ana, "2026-03-12", .high, .high),
        ])
        #expect(Self.crisis.accountOutcome(relationships: nobodyBefore.relationships).unknownReason == .noAssessmentBefore)
    }

    @Test("the derived level does not depend on the order of records, and is Low exactly when a counted relationship is Low", arguments: 0..<25)
    func derivationProperties(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        let people = (0..<Int.random(in: 0...4, using: &generator)).map {
            Stakeholder(id: "p\($0)", accountID: "acme", name: "P\($0)", isKey: Bool.random(using: &generator))
        }
        let assessments = (0..<Int.random(in: 0...10, using: &generator)).map { i in
            Assessment(id: "a\(i)", accountID: "acme", stakeholderID: people.isEmpty || Bool.random(using: &generator) ? nil : people.randomElement(using: &generator)!.id,
                       assessedAt: Date(timeIntervalSince1970: Double(Int.random(in: 0...5, using: &generator)) * 86_400),
                       trust: Bool.random(using: &generator) ? .high : .low, respect: Bool.random(using: &generator) ? .high : .low)
        }
        let derived = AccountRelationship.derive(accountID: "acme", stakeholders: people, assessments: assessments)
        let shuffled = AccountRelationship.derive(accountID: "acme", stakeholders: people.shuffled(using: &generator),
                                                  assessments: assessments.shuffled(using: &generator))
        #expect(derived == shuffled)
        #expect((derived.level == .low) == derived.counted.contains { $0.level == .low })
        #expect((derived.level == nil) == assessments.isEmpty)
        if derived.basis == .keyStakeholders { #expect(derived.counted.allSatisfy { $0.isKey }) }
    }
}


import Foundation
import Testing
import RapportModel

/// The JSON field names are a stable contract with the store, the wire protocol and `Schemas/`;
/// these tests fail on any rename.
struct CodableContractTests {
    func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func keys<T: Encodable>(_ value: T) throws -> Set<String> {
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value))
        return Set(try #require(object as? [String: Any]).keys)
    }

    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }

    static let assessment = Assessment(id: "as1", accountID: "acme", stakeholderID: "st1",
                                       assessedAt: utc("2026-03-01"), trust: .high, respect: .low, note: "late replies")

    @Test("Simple enums and keys encode as bare strings")
    func scalarEncodings() throws {
        #expect(try json([Level.high, .low]) == #"["high","low"]"#)
        #expect(try json([Severity.low, .medium, .high, .critical]) == #"["low","medium","high","critical"]"#)
        #expect(try json([Direction.higherIsBetter, .lowerIsBetter]) == #"["higherIsBetter","lowerIsBetter"]"#)
        #expect(try json([ObjectiveKey.customerROI, .custom("timeToValue")]) == #"["customerROI","custom:timeToValue"]"#)
        #expect(try json([period("2026"), period("2026-Q3"), period("2026-11")]) == #"["2026","2026-Q3","2026-11"]"#)
        #expect(try json(CrisisOutcome.Unknown.noAssessmentAfter) == #""noAssessmentAfter""#)
    }

    @Test("Account, stakeholder and assessment use their documented field names and round-trip")
    func relationshipRecords() throws {
        let account = Account(id: "acme", name: "Acme", segment: "enterprise", arr: 120_000,
                              renewalDate: utc("2026-12-31"), owner: "dana")
        #expect(try keys(account) == ["id", "name", "segment", "arr", "renewalDate", "owner"])
        #expect(try roundTrip(account) == account)
        #expect(try keys(Account(id: "a", name: "A")) == ["id", "name", "segment", "arr", "owner"])

        let stakeholder = Stakeholder(id: "st1", accountID: "acme", name: "Ravi", role: "VP Ops", email: "r@acme.test")
        #expect(try keys(stakeholder) == ["id", "accountID", "name", "role", "email"])
        #expect(try roundTrip(stakeholder) == stakeholder)
        // The key flag is written only when set, and a record from before the flag reads as not key.
        let key = Stakeholder(id: "st2", accountID: "acme", name: "Mei", isKey: true)
        #expect(try keys(key) == ["id", "accountID", "name", "role", "isKey"])
        #expect(try roundTrip(key) == key)
        let old = try JSONDecoder().decode(Stakeholder.self, from: Data(#"{"id":"s","accountID":"a","name":"N","role":""}"#.utf8))
        #expect(old.isKey == false)

        // The derived relationship is never stored.
        #expect(try keys(Self.assessment) == ["id", "accountID", "stakeholderID", "assessedAt", "trust", "respect", "note"])
        #expect(try roundTrip(Self.assessment) == Self.assessment)
    }

    @Test("Crisis events and outcomes use their documented field names and round-trip")
    func crises() throws {
        let crisis = CrisisEvent(id: "c1", accountID: "acme", startedAt: utc("2026-03-10"),
                                 resolvedAt: utc("2026-03-20"), severity: .critical, summary: "outage")
        #expect(try keys(crisis) == ["id", "accountID", "startedAt", "resolvedAt", "severity", "summary"])
        #expect(try roundTrip(crisis) == crisis)

        let held = CrisisOutcome.held(before: Self.assessment, after: Self.assessment)
        #expect(try keys(held) == ["kind", "before", "after"])
        let unknown = CrisisOutcome.unknown(.unresolved)
        #expect(try json(unknown) == #"{"kind":"unknown","reason":"unresolved"}"#)
        let all: [CrisisOutcome] = [
            held, .dropped(before: Self.assessment, after: Self.assessment),
            .improved(before: Self.assessment, after: Self.assessment),
            .stayedLow(before: Self.assessment, after: Self.assessment),
            unknown, .unknown(.noAssessmentBefore), .unknown(.noAssessmentAfter),
        ]
        #expect(try roundTrip(all) == all)
        #expect(try JSONSerialization.jsonObject(with: JSONEncoder().encode(all)) is [Any])
        #expect(try json(all.map(\.label)) == #"["held","dropped","improved","stayed low","unknown","unknown","unknown"]"#)
    }

    @Test("Normalisers encode with a kind tag and round-trip")
    func normalisers() throws {
        #expect(try json(Normaliser.linear(lower: 0, upper: 0.5)) == #"{"kind":"linear","lower":0,"upper":0.5}"#)
        #expect(try json(Normaliser.bands([.init(upTo: 1, score: 40)])) == #"{"bands":[{"score":40,"upTo":1}],"kind":"bands"}"#)
        #expect(try json(Normaliser.passthrough) == #"{"kind":"passthrough"}"#)
        let all: [Normaliser] = [.linear(lower: -1, upper: 1), .bands([.init(upTo: 1, score: 0), .init(upTo: 2, score: 100)]), .passthrough]
        #expect(try roundTrip(all) == all)
    }

    @Test("Scorecard values use their documented field names and round-trip")
    func scorecardValues() throws {
        let objective = ScorecardTests.objectives[0]
        #expect(try keys(objective) == ["id", "key", "name", "direction", "target", "normaliser"])
        #expect(try roundTrip(ScorecardTests.objectives) == ScorecardTests.objectives)

        let measurement = RapportModel.Measurement(id: "m1", objectiveID: "gross", period: period("2026-Q3"), value: 0.15)
        #expect(try json(measurement) == #"{"id":"m1","objectiveID":"gross","period":"2026-Q3","value":0.15}"#)
        #expect(try roundTrip(measurement) == measurement)

        #expect(try keys(ScorecardTests.balanced) == ["id", "effectiveFrom", "reason", "weights"])
        #expect(try roundTrip(ScorecardTests.balanced) == ScorecardTests.balanced)

        let card = try Scorecard(objectives: ScorecardTests.objectives, weightSets: [ScorecardTests.balanced, ScorecardTests.afterBreakdown])
        #expect(try keys(card) == ["objectives", "weightSets"])
        #expect(try roundTrip(card) == card)

        let report = try card.report(for: period("2026-Q3"), measurements: ScorecardTests.measurements("2026-Q3", includeROI: false))
        #expect(try keys(report) == ["period", "weightSetID", "overall", "coverage", "lines"])
        #expect(try keys(report.lines[0]) == ["objectiveID", "objectiveName", "raw", "score", "weight", "contribution"])
        #expect(try roundTrip(report) == report)
    }

    @Test("Decoding refuses an invalid period, objective key or scorecard")
    func decodingValidates() throws {
        let decoder = JSONDecoder()
        #expect(throws: DecodingError.self) { try decoder.decode(Period.self, from: Data(#""2026-Q5""#.utf8)) }
        #expect(throws: DecodingError.self) { try decoder.decode(ObjectiveKey.self, from: Data(#""churn""#.utf8)) }
        let zeroWeights = #"{"objectives":[{"id":"a","key":"nps","name":"NPS","direction":"higherIsBetter","normaliser":{"kind":"passthrough"}}],"weightSets":[{"id":"w","effectiveFrom":0,"reason":"","weights":{"a":0}}]}"#
        let error = #expect(throws: DecodingError.self) { try decoder.decode(Scorecard.self, from: Data(zeroWeights.utf8)) }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(String(describing: error))")
            return
        }
        #expect((context.underlyingError as? ScorecardError)?.code == .allZeroWeights)
    }
}

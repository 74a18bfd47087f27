import Testing
import RapportModel

struct AssessmentTests {
    @Test("The relationship is high only when both trust and respect are high", arguments: [
        (Level.high, Level.high, Level.high),
        (.high, .low, .low),
        (.low, .high, .low),
        (.low, .low, .low),
    ])
    func relationshipTruthTable(trust: Level, respect: Level, expected: Level) {
        let assessment = Assessment(
            id: "a1", accountID: "acme", assessedAt: utc("2026-01-01"), trust: trust, respect: respect
        )
        #expect(assessment.relationship == expected)
    }

    @Test("Changing trust or respect changes the derived relationship at once")
    func relationshipFollowsEdits() {
        var assessment = Assessment(
            id: "a1", accountID: "acme", assessedAt: utc("2026-01-01"), trust: .high, respect: .high
        )
        assessment.respect = .low
        #expect(assessment.relationship == .low)
    }
}

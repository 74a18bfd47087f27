import Foundation
import RapportModel
@testable import RapportReport
import Testing

/// The four CSV tables of a real store, read back with the strict parser as a spreadsheet would.
@Suite final class CSVExportTests {
    private let fixture: ReportFixture

    init() throws { fixture = try ReportFixture() }

    private func rows(_ kind: CSVExport.Kind) throws -> [[String: String]] {
        let records = try StrictCSV.parse(try CSVExport.table(kind, from: fixture.store).table.text)
        let header = try #require(records.first)
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func accountsCarryTheirRelationshipWithEmptyCellsForWhatIsMissing() throws {
        let accounts = try rows(.accounts)
        #expect(accounts.map { $0["id"] } == (try fixture.store.accountOverviews()).map(\.account.id))
        let hostile = try #require(accounts.first { $0["id"] == "a-initech" })
        #expect(hostile["name"] == ReportFixture.hostileAccount)
        #expect(hostile["owner"] == "'=cmd|'/c calc'!A1")  // a formula, defused
        #expect(hostile["arr"] == "400000")
        #expect(hostile["relationship"] == "low")
        #expect(hostile["last_assessed_at"] == "2026-10-25T00:00:00Z")
        let umbrella = try #require(accounts.first { $0["id"] == "a-new" })
        #expect(umbrella["relationship"] == "")
        #expect(umbrella["renewal_date"] == "")
        #expect(umbrella["last_assessed_at"] == "")
    }

    @Test func assessmentsNameTheStakeholderAndKeepMultiLineNotes() throws {
        let assessments = try rows(.assessments)
        #expect(assessments.count == 6)
        let cto = try #require(assessments.first { $0["id"] == "x2" })
        #expect(cto["stakeholder"] == ReportFixture.hostileStakeholder)
        #expect(cto["account"] == "Acme, Inc.")
        #expect(cto["note"] == "missed two calls,\n\"too busy\"")
        #expect(cto["relationship"] == "low")
        #expect(assessments.first { $0["id"] == "x3" }?["stakeholder_id"] == "")
    }

    @Test func measurementsAreNumbersEvenWhenNegative() throws {
        let measurements = try rows(.measurements)
        #expect(measurements.count == 7)
        let quarter = try #require(measurements.first { $0["period"] == "2026-Q3" })
        #expect(quarter["value"] == "-5")
        #expect(quarter["period_start"] == "2026-07-01T00:00:00Z")
        #expect(quarter["objective_key"] == "nps")
    }

    @Test func scoresHaveALinePerObjectiveAndSkipPeriodsNoWeightSetCovers() throws {
        let (table, skipped) = try CSVExport.table(.scores, from: fixture.store)
        #expect(skipped.count == 1)
        #expect(skipped.first?.hasPrefix("2026-Q3") == true)
        let records = try StrictCSV.parse(table.text)
        let header = records[0]
        let scores = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        #expect(Set(scores.map { $0["period"] }) == ["2026-09", "2026-10", "2026-11"])
        let november = try fixture.store.scorecard(for: try Period("2026-11"))
        let novemberRows = scores.filter { $0["period"] == "2026-11" }
        #expect(novemberRows.count == november.lines.count)
        #expect(novemberRows.allSatisfy { Double($0["overall"] ?? "") == november.overall })
        #expect(novemberRows.allSatisfy { Double($0["coverage"] ?? "") == november.coverage })
        let roi = try #require(novemberRows.first { $0["objective_key"] == "customerROI" })
        #expect(roi["raw"] == "" && roi["score"] == "" && roi["contribution"] == "")
        #expect(roi["weight"] == "1")
    }
}

import Foundation
import RapportModel
@testable import RapportReport
import Testing

/// The charts with shapes a small fixture does not reach: a crowded quadrant and an unscored period.
struct ChartTests {
    private static let day = Date(timeIntervalSince1970: 1_790_000_000)

    private static func data(relationships: [ReportData.RelationshipPoint] = [], trend: [ReportData.TrendPoint] = []) throws -> ReportData {
        ReportData(period: try Period("2026-11"), generatedAt: day, accounts: [], relationships: relationships, crises: [],
                   trend: trend, score: .unavailable("none"), objectives: [])
    }

    @Test func aCrowdedQuadrantListsWhatFitsAndCountsTheRest() throws {
        let points = (1...40).map {
            ReportData.RelationshipPoint(stakeholder: "Person \($0)", account: "Big", trust: .low, respect: .low, assessedAt: Self.day)
        }
        let page = try ParsedPage(ReportHTML.render(try Self.data(relationships: points)))
        let shown = page.elements(withClass: "point").count
        #expect(shown > 0 && shown < 40)
        #expect(page.textByID["q-trust-low-respect-low"]?.contains("+\(40 - shown) more") == true)
        #expect(page.textByID["q-trust-high-respect-high"]?.contains("Person") == false)
    }

    @Test func anUnscoredPeriodIsAGapInTheLineNotAZero() throws {
        let trend = try ["2026-08", "2026-09", "2026-10", "2026-11"].enumerated().map { index, text in
            ReportData.TrendPoint(period: try Period(text), overall: index == 1 ? nil : 50 + Double(index), coverage: 1, weightSet: nil)
        }
        let page = try ParsedPage(ReportHTML.render(try Self.data(trend: trend)))
        #expect(page.elements(withClass: "score-point").count == 3)
        // Two runs of scored periods: 2026-08 alone draws no line, 2026-10 → 2026-11 draws one.
        #expect(page.elements(withClass: "line").count == 1)
        #expect(page.allText.contains("no score"))
        #expect(page.elements(withClass: "weight-change").isEmpty)
    }
}

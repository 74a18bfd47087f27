import Foundation
import RapportModel
@testable import RapportReport
import Testing

/// The HTML report of a real store: well-formed, self-contained, escaped, and showing the figures.
@Suite final class ReportHTMLTests {
    private let fixture: ReportFixture
    private let data: ReportData
    private let html: String
    private let page: ParsedPage

    init() throws {
        fixture = try ReportFixture()
        data = try ReportData.load(from: fixture.store, period: try Period("2026-11"), now: ReportFixture.day("2026-11-27"))
        html = ReportHTML.render(data)
        page = try ParsedPage(html)
    }

    @Test func thePortfolioCountsRelationshipsAndTheARRAtRisk() {
        // Acme is Low through its CTO, the hostile-named account dropped through its crisis; Globex held.
        #expect(Set(data.accounts.filter(\.atRisk).map(\.account.id)) == ["a-initech", "a-acme"])
        #expect(page.textByID["accounts"] == "4")
        #expect(page.textByID["high-count"] == "1")
        #expect(page.textByID["low-count"] == "2")
        #expect(page.textByID["unassessed-count"] == "1")
        #expect(page.textByID["arr-at-risk"] == "650,000")  // 250,000 + 400,000
        #expect(page.textByID["total-arr"] == "1,725,000")
    }

    @Test func theBreakdownExplainsThePeriodsScoreWithTheMissingMeasure() throws {
        let report = try fixture.store.scorecard(for: try Period("2026-11"))
        let overall = try #require(report.overall)
        #expect(page.textByID["overall-score"] == String(format: "%.1f", overall))
        #expect(page.textByID["coverage"] == String(format: "%.0f %%", report.coverage * 100))
        #expect(page.textByID["missing"]?.contains("Customer ROI") == true)
        for line in report.lines {
            #expect(page.allText.contains(line.objectiveName))
            if let contribution = line.contribution { #expect(page.allText.contains(String(format: "%.2f", contribution))) }
        }
    }

    @Test func theTrendMarksTheWeightSetChangeAtTheFirstPeriodItJudges() throws {
        #expect(data.trend.map(\.period.description) == ["2026-09", "2026-10", "2026-11"])
        #expect(data.trend.allSatisfy { $0.overall != nil })
        let changes = page.elements(withClass: "weight-change")
        #expect(changes.count == 1)
        #expect(page.allText.contains("weights: service breakdown"))
        #expect(page.elements(withClass: "score-point").count == 3)
    }

    @Test func everyStakeholderSitsInTheQuadrantOfItsLatestAssessment() {
        let placed = Dictionary(grouping: data.relationships) { "q-trust-\($0.trust.rawValue)-respect-\($0.respect.rawValue)" }
        #expect(placed["q-trust-high-respect-high"]?.compactMap(\.stakeholder) == ["Pat \"CFO\" O'Neil"])
        #expect(placed["q-trust-low-respect-high"]?.map(\.stakeholder) == [ReportFixture.hostileStakeholder])
        #expect(placed["q-trust-high-respect-low"]?.map(\.account) == [ReportFixture.hostileAccount])
        for id in placed.keys { #expect(page.textByID[id]?.isEmpty == false, "\(id)") }
        #expect(page.textByID["q-trust-high-respect-high"]?.contains("Pat \"CFO\" O'Neil — Acme, Inc.") == true)
    }

    @Test func crisesSayWhetherTheRelationshipHeldDroppedOrIsUnknown() throws {
        let section = try #require(page.textByID["crises"])
        #expect(section.contains("held: the account as a whole (high on 2026-08-01 → high on 2026-10-20)"))
        #expect(section.contains("dropped: the account as a whole (high on 2026-08-01 → low on 2026-10-25)"))
        #expect(section.contains("unknown: not resolved yet"))
    }

    @Test func hostileNamesAreShownAsTextNeverAsMarkup() {
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>red"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s"))
        // A reader sees the name as typed, the terminal escape replaced.
        #expect(page.allText.contains(ReportFixture.hostileAccount))
        #expect(page.allText.contains("Zoë 🚀 \u{FFFD}[31m<b>red</b>"))
        #expect(!html.unicodeScalars.contains("\u{1B}"))
    }

    @Test func thePageFetchesNothing() {
        let external = page.elements.filter { $0.attributes["src"] != nil || $0.attributes["href"] != nil || ["script", "link", "img", "iframe"].contains($0.name) }
        #expect(external.isEmpty)
        #expect(!html.contains("url("))
        #expect(!html.contains("@import"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == html.components(separatedBy: "xmlns=\"http://").count - 1)
        #expect(!html.contains("https://"))
    }

    @Test func aPeriodWithoutWeightsSaysSoInsteadOfFailing() throws {
        let early = try ReportData.load(from: fixture.store, period: try Period("2026-07"))
        guard case .unavailable(let message) = early.score else { Issue.record("2026-07 has no weight set"); return }
        let page = try ParsedPage(ReportHTML.render(early))
        #expect(page.textByID["score-unavailable"] == message)
        #expect(message.contains("No weight set"))
    }
}

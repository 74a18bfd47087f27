import Testing
import RapportModel

struct KPITests {
    // The worked example: S = 10.0M, contraction D = 0.6M, churn C = 0.9M, expansion E = 1.8M.
    @Test("Gross and net revenue retention and churn match the worked example")
    func revenueWorkedExample() throws {
        let grr = try KPI.grossRevenueRetention(starting: 10.0e6, contraction: 0.6e6, churned: 0.9e6)
        let nrr = try KPI.netRevenueRetention(starting: 10.0e6, contraction: 0.6e6, churned: 0.9e6, expansion: 1.8e6)
        let grossChurn = try KPI.grossRevenueChurn(starting: 10.0e6, contraction: 0.6e6, churned: 0.9e6)
        let netChurn = try KPI.netRevenueChurn(starting: 10.0e6, contraction: 0.6e6, churned: 0.9e6, expansion: 1.8e6)
        #expect(isClose(grr, 0.85))
        #expect(isClose(nrr, 1.03))
        #expect(isClose(grossChurn, 0.15))
        #expect(isClose(netChurn, -0.03))
    }

    @Test("Logo churn counts only the starting cohort")
    func logoChurn() throws {
        // 200 at start, 14 of them lost; the 30 new customers are not an input at all.
        #expect(isClose(try KPI.logoChurn(customersAtStart: 200, lostFromStartingCohort: 14), 0.07))
    }

    @Test("NPS is percent promoters minus percent detractors")
    func nps() throws {
        // 4 promoters (9, 10, 9, 10), 3 passives (7, 8, 8), 3 detractors (0, 6, 5): 40 % − 30 % = 10.
        #expect(isClose(try KPI.nps(scores: [9, 10, 9, 10, 7, 8, 8, 0, 6, 5]), 10))
        #expect(isClose(try KPI.nps(scores: [0, 1, 2, 3]), -100))
        #expect(isClose(try KPI.nps(scores: [10, 9]), 100))
        #expect(isClose(try KPI.nps(scores: [7, 8]), 0))
    }

    @Test("CSAT is the percentage of ratings of 4 or 5")
    func csat() throws {
        // 5, 4, 4 satisfied out of 8 ratings: 37.5 %.
        #expect(isClose(try KPI.csat(ratings: [5, 4, 4, 3, 2, 1, 3, 3]), 37.5))
        #expect(isClose(try KPI.csat(ratings: [1, 2, 3]), 0))
    }

    @Test("Retention inputs that cannot describe a real cohort are refused with the right code", arguments: [
        (0.0, 0.0, 0.0, KPIError.Code.nonPositiveStart),
        (-5.0, 0.0, 0.0, .nonPositiveStart),
        (Double.nan, 0.0, 0.0, .notFinite),
        (Double.infinity, 0.0, 0.0, .notFinite),
        (10.0, -1.0, 0.0, .negativeAmount),
        (10.0, 0.0, -1.0, .negativeAmount),
        (10.0, Double.nan, 0.0, .notFinite),
        (10.0, 6.0, 5.0, .lossExceedsStart),
    ])
    func refusesBadRevenue(starting: Double, contraction: Double, churned: Double, code: KPIError.Code) {
        let grr = #expect(throws: KPIError.self) {
            try KPI.grossRevenueRetention(starting: starting, contraction: contraction, churned: churned)
        }
        #expect(grr?.code == code)
        let nrr = #expect(throws: KPIError.self) {
            try KPI.netRevenueChurn(starting: starting, contraction: contraction, churned: churned, expansion: 1)
        }
        #expect(nrr?.code == code)
    }

    @Test("Negative or non-finite expansion is refused")
    func refusesBadExpansion() {
        let negative = #expect(throws: KPIError.self) {
            try KPI.netRevenueRetention(starting: 10, contraction: 0, churned: 0, expansion: -1)
        }
        #expect(negative?.code == .negativeAmount)
        let infinite = #expect(throws: KPIError.self) {
            try KPI.netRevenueChurn(starting: 10, contraction: 0, churned: 0, expansion: .infinity)
        }
        #expect(infinite?.code == .notFinite)
    }

    @Test("Logo churn refuses an empty cohort, negative losses and losing more than the cohort")
    func refusesBadLogoChurn() {
        #expect((#expect(throws: KPIError.self) { try KPI.logoChurn(customersAtStart: 0, lostFromStartingCohort: 0) })?.code == .nonPositiveStart)
        #expect((#expect(throws: KPIError.self) { try KPI.logoChurn(customersAtStart: 10, lostFromStartingCohort: -1) })?.code == .negativeAmount)
        #expect((#expect(throws: KPIError.self) { try KPI.logoChurn(customersAtStart: 10, lostFromStartingCohort: 11) })?.code == .lossExceedsStart)
        #expect((#expect(throws: KPIError.self) { try KPI.logoChurn(customersAtStart: .nan, lostFromStartingCohort: 1) })?.code == .notFinite)
    }

    @Test("Survey KPIs refuse empty samples and answers off the scale")
    func refusesBadSurveys() {
        #expect((#expect(throws: KPIError.self) { try KPI.nps(scores: []) })?.code == .emptySample)
        #expect((#expect(throws: KPIError.self) { try KPI.nps(scores: [9, 11]) })?.code == .outOfRange)
        #expect((#expect(throws: KPIError.self) { try KPI.nps(scores: [-1]) })?.code == .outOfRange)
        #expect((#expect(throws: KPIError.self) { try KPI.csat(ratings: []) })?.code == .emptySample)
        #expect((#expect(throws: KPIError.self) { try KPI.csat(ratings: [0, 4]) })?.code == .outOfRange)
        #expect((#expect(throws: KPIError.self) { try KPI.csat(ratings: [6]) })?.code == .outOfRange)
    }
}

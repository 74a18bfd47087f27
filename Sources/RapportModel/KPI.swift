/// The standard Customer Success KPIs, computed the same way everywhere in Rapport.
///
/// Retention and churn functions return **fractions** (0.85 means 85 %); `nps` and `csat` return
/// **percent-scale** numbers (NPS in −100…100, CSAT in 0…100), as those metrics are usually quoted.
/// Revenue inputs are amounts over one period for the customers who were there at its start:
/// `starting` is their revenue then, `contraction` the downgrades, `churned` the revenue of
/// customers who left, `expansion` upsell from them. Revenue from new customers is never an input:
/// it would hide losses. Every function throws ``KPIError`` rather than return NaN or a silly value.
public enum KPI {
    /// Gross revenue retention, `(starting − churned − contraction) / starting`, in 0…1.
    public static func grossRevenueRetention(starting: Double, contraction: Double, churned: Double) throws -> Double {
        try checkRevenue(starting: starting, contraction: contraction, churned: churned)
        return (starting - churned - contraction) / starting
    }

    /// Net revenue retention, `(starting − churned − contraction + expansion) / starting`;
    /// above 1 when expansion outweighs losses.
    public static func netRevenueRetention(
        starting: Double,
        contraction: Double,
        churned: Double,
        expansion: Double
    ) throws -> Double {
        try checkRevenue(starting: starting, contraction: contraction, churned: churned)
        try checkAmount(expansion, "expansion")
        return (starting - churned - contraction + expansion) / starting
    }

    /// Gross revenue churn, `1 − grossRevenueRetention`, in 0…1.
    public static func grossRevenueChurn(starting: Double, contraction: Double, churned: Double) throws -> Double {
        try checkRevenue(starting: starting, contraction: contraction, churned: churned)
        // Computed directly rather than as 1 − GRR so 0.15 does not come back as 0.15000000000000002.
        return (churned + contraction) / starting
    }

    /// Net revenue churn, `1 − netRevenueRetention`; negative when expansion outweighs losses.
    public static func netRevenueChurn(
        starting: Double,
        contraction: Double,
        churned: Double,
        expansion: Double
    ) throws -> Double {
        try checkRevenue(starting: starting, contraction: contraction, churned: churned)
        try checkAmount(expansion, "expansion")
        return (churned + contraction - expansion) / starting
    }

    /// Logo (customer) churn, `lost / customersAtStart`, in 0…1.
    ///
    /// Customers won during the period are deliberately not a parameter: counting them would let
    /// new logos hide lost ones. Counts are `Double` to match the other KPIs.
    public static func logoChurn(customersAtStart: Double, lostFromStartingCohort lost: Double) throws -> Double {
        try checkStart(customersAtStart, "customersAtStart")
        try checkAmount(lost, "lostFromStartingCohort")
        guard lost <= customersAtStart else {
            throw KPIError(.lossExceedsStart, "lostFromStartingCohort (\(lost)) exceeds customersAtStart (\(customersAtStart)); count only customers who were there at the start.")
        }
        return lost / customersAtStart
    }

    /// Net Promoter Score from 0…10 answers: % promoters (9–10) − % detractors (0–6), in −100…100.
    public static func nps(scores: [Int]) throws -> Double {
        try checkSample(scores, range: 0...10, name: "NPS score")
        let promoters = scores.filter { $0 >= 9 }.count
        let detractors = scores.filter { $0 <= 6 }.count
        return 100 * Double(promoters - detractors) / Double(scores.count)
    }

    /// Customer satisfaction from 1…5 ratings: the percentage rating 4 or 5, in 0…100.
    public static func csat(ratings: [Int]) throws -> Double {
        try checkSample(ratings, range: 1...5, name: "CSAT rating")
        return 100 * Double(ratings.filter { $0 >= 4 }.count) / Double(ratings.count)
    }

    private static func checkRevenue(starting: Double, contraction: Double, churned: Double) throws {
        try checkStart(starting, "starting")
        try checkAmount(contraction, "contraction")
        try checkAmount(churned, "churned")
        guard churned + contraction <= starting else {
            throw KPIError(.lossExceedsStart, "churned + contraction (\(churned + contraction)) exceeds starting revenue (\(starting)); a cohort cannot lose more than it had.")
        }
    }

    private static func checkStart(_ value: Double, _ name: String) throws {
        guard value.isFinite else {
            throw KPIError(.notFinite, "\(name) is \(value); pass a finite number.")
        }
        guard value > 0 else {
            throw KPIError(.nonPositiveStart, "\(name) is \(value); a rate needs a starting base above 0.")
        }
    }

    private static func checkAmount(_ value: Double, _ name: String) throws {
        guard value.isFinite else {
            throw KPIError(.notFinite, "\(name) is \(value); pass a finite number.")
        }
        guard value >= 0 else {
            throw KPIError(.negativeAmount, "\(name) is \(value); pass the amount as a positive number.")
        }
    }

    private static func checkSample(_ values: [Int], range: ClosedRange<Int>, name: String) throws {
        guard !values.isEmpty else {
            throw KPIError(.emptySample, "No \(name)s were given; pass at least one response.")
        }
        if let bad = values.first(where: { !range.contains($0) }) {
            throw KPIError(.outOfRange, "\(name) \(bad) is outside \(range.lowerBound)…\(range.upperBound); pass only answers on that scale.")
        }
    }
}

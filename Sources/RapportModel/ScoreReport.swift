/// The overall performance score of one period, with the lines that explain it.
///
/// `overall` (0–100) averages only the objectives that have a measurement, weighted by the set
/// named by `weightSetID`; `coverage` (0…1) says how much of the total weight that is, so a high
/// score from a sliver of the scorecard is visible as such. `overall` is `nil` (and omitted from
/// JSON) when no weighted objective was measured. `lines` follow the scorecard's objective order.
public struct ScoreReport: Sendable, Hashable, Codable {
    public var period: Period
    public var weightSetID: String
    public var overall: Double?
    public var coverage: Double
    public var lines: [ScoreLine]

    public init(period: Period, weightSetID: String, overall: Double?, coverage: Double, lines: [ScoreLine]) {
        self.period = period
        self.weightSetID = weightSetID
        self.overall = overall
        self.coverage = coverage
        self.lines = lines
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case period, weightSetID, overall, coverage, lines
    }
}

/// How one objective fed a ``ScoreReport``: raw value → 0–100 score → weight → contribution.
///
/// `raw`, `score` and `contribution` are `nil` when the objective has no measurement in the
/// period. Contributions of all lines add up to the report's `overall`. Optional fields are
/// omitted from JSON when `nil`.
public struct ScoreLine: Sendable, Hashable, Codable {
    public var objectiveID: String
    public var objectiveName: String
    public var raw: Double?
    public var score: Double?
    /// The weight from the weight set in effect; 0 when the set does not mention the objective.
    public var weight: Double
    /// `weight × score / Σ weights of measured objectives`, in points of the overall score.
    public var contribution: Double?

    public init(
        objectiveID: String,
        objectiveName: String,
        raw: Double? = nil,
        score: Double? = nil,
        weight: Double,
        contribution: Double? = nil
    ) {
        self.objectiveID = objectiveID
        self.objectiveName = objectiveName
        self.raw = raw
        self.score = score
        self.weight = weight
        self.contribution = contribution
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case objectiveID, objectiveName, raw, score, weight, contribution
    }
}

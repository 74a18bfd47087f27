/// One thing a Customer Success team is judged on, with how its raw values become a 0–100 score.
///
/// No single objective is the ultimate metric; a ``Scorecard`` weighs several. `target` is for
/// display and planning only and does not affect the score. `target` is omitted from JSON when `nil`.
public struct Objective: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var key: ObjectiveKey
    public var name: String
    public var direction: Direction
    public var target: Double?
    public var normaliser: Normaliser

    public init(
        id: String,
        key: ObjectiveKey,
        name: String,
        direction: Direction,
        target: Double? = nil,
        normaliser: Normaliser
    ) {
        self.id = id
        self.key = key
        self.name = name
        self.direction = direction
        self.target = target
        self.normaliser = normaliser
    }

    /// The 0–100 score of `raw`, higher always better. Throws ``ScorecardError`` with
    /// `invalidMeasurement` for NaN or infinity and `invalidNormaliser` for a bad normaliser.
    public func score(_ raw: Double) throws -> Double {
        try normaliser.score(raw, direction: direction)
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case id, key, name, direction, target, normaliser
    }
}

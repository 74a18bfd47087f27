/// Turns an objective's raw value (a churn fraction, revenue, an NPS) into a 0–100 score.
///
/// Scores from different objectives can only be weighed together once they share a scale where
/// higher is better. Call ``validate()`` (``Scorecard`` does) before trusting a decoded value.
/// Encodes as `{"kind":"linear","lower":…,"upper":…}`, `{"kind":"bands","bands":[…]}` or
/// `{"kind":"passthrough"}`.
public enum Normaliser: Sendable, Hashable, Codable {
    /// Clamps the raw value into `lower...upper` and maps it onto 0–100, with the better end
    /// (per ``Direction``) at 100.
    case linear(lower: Double, upper: Double)
    /// Looks the raw value up in ascending bands; each band's score is already "good is high",
    /// so ``Direction`` does not flip it.
    case bands([Band])
    /// The raw value is already a 0–100 score; it is only clamped.
    case passthrough

    /// Throws ``ScorecardError/Code/invalidNormaliser`` unless `lower < upper`, bands are non-empty
    /// with strictly ascending `upTo`, every score is within 0…100, and every number is finite.
    public func validate() throws {
        switch self {
        case .linear(let lower, let upper):
            guard lower.isFinite, upper.isFinite else {
                throw ScorecardError(.invalidNormaliser, "A linear normaliser needs finite bounds; got \(lower)…\(upper).")
            }
            guard lower < upper else {
                throw ScorecardError(.invalidNormaliser, "A linear normaliser needs lower < upper; got \(lower)…\(upper). Swap them and set the objective's direction instead.")
            }
        case .bands(let bands):
            guard !bands.isEmpty else {
                throw ScorecardError(.invalidNormaliser, "A bands normaliser needs at least one band.")
            }
            for (index, band) in bands.enumerated() {
                guard band.upTo.isFinite, band.score.isFinite else {
                    throw ScorecardError(.invalidNormaliser, "Band \(index) has a non-finite number; use finite upTo and score values.")
                }
                guard (0...100).contains(band.score) else {
                    throw ScorecardError(.invalidNormaliser, "Band \(index) scores \(band.score); band scores must be within 0…100.")
                }
                if index > 0, bands[index - 1].upTo >= band.upTo {
                    throw ScorecardError(.invalidNormaliser, "Band \(index) has upTo \(band.upTo), not above the previous band's \(bands[index - 1].upTo); list bands in strictly ascending upTo order.")
                }
            }
        case .passthrough:
            break
        }
    }

    /// The 0–100 score for `raw`. Throws ``ScorecardError/Code/invalidMeasurement`` for a
    /// non-finite raw value and ``ScorecardError/Code/invalidNormaliser`` for an invalid normaliser.
    public func score(_ raw: Double, direction: Direction) throws -> Double {
        guard raw.isFinite else {
            throw ScorecardError(.invalidMeasurement, "The raw value \(raw) is not a finite number; record a real measurement or none at all.")
        }
        try validate()
        switch self {
        case .linear(let lower, let upper):
            let fraction = (min(max(raw, lower), upper) - lower) / (upper - lower)
            return direction == .higherIsBetter ? 100 * fraction : 100 * (1 - fraction)
        case .bands(let bands):
            return (bands.first { raw <= $0.upTo } ?? bands[bands.count - 1]).score
        case .passthrough:
            return min(max(raw, 0), 100)
        }
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case kind, lower, upper, bands
    }

    private enum Kind: String, Codable {
        case linear, bands, passthrough
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .kind) {
        case .linear:
            self = .linear(
                lower: try container.decode(Double.self, forKey: .lower),
                upper: try container.decode(Double.self, forKey: .upper)
            )
        case .bands:
            self = .bands(try container.decode([Band].self, forKey: .bands))
        case .passthrough:
            self = .passthrough
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .linear(let lower, let upper):
            try container.encode(Kind.linear, forKey: .kind)
            try container.encode(lower, forKey: .lower)
            try container.encode(upper, forKey: .upper)
        case .bands(let bands):
            try container.encode(Kind.bands, forKey: .kind)
            try container.encode(bands, forKey: .bands)
        case .passthrough:
            try container.encode(Kind.passthrough, forKey: .kind)
        }
    }
}

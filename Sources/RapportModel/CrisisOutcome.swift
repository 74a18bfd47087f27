/// What happened to the relationship across a crisis, with the assessments that show it.
///
/// A strong relationship is one that survives crises, so `held` is the result a CSM hopes for.
/// When the evidence is missing the outcome is `unknown` with the reason, rather than a guess.
/// Encodes as `{"kind": "held", "before": {...}, "after": {...}}` or
/// `{"kind": "unknown", "reason": "unresolved"}`; `kind` is the case name.
public enum CrisisOutcome: Sendable, Hashable, Codable {
    /// High before and high after.
    case held(before: Assessment, after: Assessment)
    /// High before, low after.
    case dropped(before: Assessment, after: Assessment)
    /// Low before, high after: the crisis was handled well enough to build trust and respect.
    case improved(before: Assessment, after: Assessment)
    /// Low before and low after.
    case stayedLow(before: Assessment, after: Assessment)
    /// The outcome cannot be judged yet.
    case unknown(Unknown)

    /// Why a crisis outcome cannot be judged; encodes as its case name.
    public enum Unknown: String, Sendable, Hashable, Codable, CaseIterable {
        /// The crisis has no resolution date.
        case unresolved
        /// No assessment of the account exists at or before the crisis started.
        case noAssessmentBefore
        /// No assessment of the account exists at or after the crisis was resolved.
        case noAssessmentAfter
    }

    /// A short human-readable name: "held", "dropped", "improved", "stayed low" or "unknown".
    public var label: String {
        switch self {
        case .held: "held"
        case .dropped: "dropped"
        case .improved: "improved"
        case .stayedLow: "stayed low"
        case .unknown: "unknown"
        }
    }

    /// Stable JSON field names: part of the wire contract, never rename.
    enum CodingKeys: String, CodingKey {
        case kind, before, after, reason
    }

    private enum Kind: String, Codable {
        case held, dropped, improved, stayedLow, unknown
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(Kind.self, forKey: .kind)
        func pair() throws -> (before: Assessment, after: Assessment) {
            (try container.decode(Assessment.self, forKey: .before),
             try container.decode(Assessment.self, forKey: .after))
        }
        switch kind {
        case .unknown: self = .unknown(try container.decode(Unknown.self, forKey: .reason))
        case .held: let p = try pair(); self = .held(before: p.before, after: p.after)
        case .dropped: let p = try pair(); self = .dropped(before: p.before, after: p.after)
        case .improved: let p = try pair(); self = .improved(before: p.before, after: p.after)
        case .stayedLow: let p = try pair(); self = .stayedLow(before: p.before, after: p.after)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let pair: (Assessment, Assessment)
        switch self {
        case .unknown(let reason):
            try container.encode(Kind.unknown, forKey: .kind)
            try container.encode(reason, forKey: .reason)
            return
        case .held(let before, let after):
            try container.encode(Kind.held, forKey: .kind)
            pair = (before, after)
        case .dropped(let before, let after):
            try container.encode(Kind.dropped, forKey: .kind)
            pair = (before, after)
        case .improved(let before, let after):
            try container.encode(Kind.improved, forKey: .kind)
            pair = (before, after)
        case .stayedLow(let before, let after):
            try container.encode(Kind.stayedLow, forKey: .kind)
            pair = (before, after)
        }
        try container.encode(pair.0, forKey: .before)
        try container.encode(pair.1, forKey: .after)
    }
}

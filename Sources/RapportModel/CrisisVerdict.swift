/// The kind of a crisis outcome, without its evidence: held, dropped, improved, stayed low or unknown.
///
/// Encodes as its case name (`"stayedLow"`).
public enum CrisisVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    case held, dropped, improved, stayedLow, unknown

    /// A short human-readable name: "held", "dropped", "improved", "stayed low" or "unknown".
    public var label: String { self == .stayedLow ? "stayed low" : rawValue }

    /// Worst first: the order in which an account's verdict is picked from its relationships'.
    static let severity: [CrisisVerdict] = [.dropped, .unknown, .stayedLow, .improved, .held]
}

extension CrisisOutcome {
    /// This outcome's kind.
    public var verdict: CrisisVerdict {
        switch self {
        case .held: .held
        case .dropped: .dropped
        case .improved: .improved
        case .stayedLow: .stayedLow
        case .unknown: .unknown
        }
    }

    /// Why the outcome is unknown, or nil when it is known.
    public var unknownReason: Unknown? {
        if case .unknown(let reason) = self { reason } else { nil }
    }
}

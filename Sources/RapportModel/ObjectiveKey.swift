/// What an objective measures: one of the standard Customer Success outcomes, or a custom one.
///
/// Encodes as a single string: the case name (`"grossChurn"`, `"customerROI"`, …) or
/// `"custom:NAME"`. A custom name may be anything non-empty, including a standard case name, and
/// still round-trips because the `custom:` prefix keeps the two apart.
public enum ObjectiveKey: Sendable, Hashable, Codable, CustomStringConvertible {
    case grossChurn
    case netChurn
    case revenue
    case customerROI
    case nps
    case csat
    case renewalRate
    case custom(String)

    private static let customPrefix = "custom:"

    private static let standard: [ObjectiveKey] = [
        .grossChurn, .netChurn, .revenue, .customerROI, .nps, .csat, .renewalRate,
    ]

    /// The stable string form used in JSON and storage.
    public var rawValue: String {
        switch self {
        case .grossChurn: "grossChurn"
        case .netChurn: "netChurn"
        case .revenue: "revenue"
        case .customerROI: "customerROI"
        case .nps: "nps"
        case .csat: "csat"
        case .renewalRate: "renewalRate"
        case .custom(let name): Self.customPrefix + name
        }
    }

    /// Parses the string form; returns `nil` for an unknown name or an empty custom name.
    public init?(rawValue: String) {
        if rawValue.hasPrefix(Self.customPrefix) {
            let name = String(rawValue.dropFirst(Self.customPrefix.count))
            guard !name.isEmpty else { return nil }
            self = .custom(name)
            return
        }
        guard let key = Self.standard.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = key
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let key = ObjectiveKey(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "Unknown objective key \"\(text)\"; use one of "
                    + Self.standard.map(\.rawValue).joined(separator: ", ") + " or custom:NAME."
            )
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

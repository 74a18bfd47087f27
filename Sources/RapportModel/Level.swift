/// A two-state rating used for trust, respect and the relationship derived from them.
///
/// The essays deliberately allow only High or Low: a finer scale invites false precision
/// about something a CSM judges rather than measures. Encodes as `"high"` / `"low"`.
public enum Level: String, Sendable, Hashable, Codable, CaseIterable {
    case high
    case low

    /// Reads a level typed by a person, accepting `high`, `low`, `h` or `l` in any letter case
    /// (surrounding whitespace is ignored); returns `nil` for anything else.
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "high", "h": self = .high
        case "low", "l": self = .low
        default: return nil
        }
    }
}

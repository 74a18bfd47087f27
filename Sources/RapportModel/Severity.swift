/// How serious a crisis at an account is, from `low` to `critical`.
///
/// Cases are declared in increasing order of seriousness; encodes as its lowercase name.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
    case low
    case medium
    case high
    case critical
}

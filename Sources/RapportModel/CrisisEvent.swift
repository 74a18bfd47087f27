import Foundation

/// A crisis at an account (outage, escalation, missed commitment), from start to resolution.
///
/// `resolvedAt` is `nil` while the crisis is open. Use ``outcome(given:)`` to see whether the
/// relationship held through it. `resolvedAt` is omitted from JSON when `nil`.
public struct CrisisEvent: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var accountID: String
    public var startedAt: Date
    public var resolvedAt: Date?
    public var severity: Severity
    public var summary: String

    public init(
        id: String,
        accountID: String,
        startedAt: Date,
        resolvedAt: Date? = nil,
        severity: Severity,
        summary: String = ""
    ) {
        self.id = id
        self.accountID = accountID
        self.startedAt = startedAt
        self.resolvedAt = resolvedAt
        self.severity = severity
        self.summary = summary
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case id, accountID, startedAt, resolvedAt, severity, summary
    }
}

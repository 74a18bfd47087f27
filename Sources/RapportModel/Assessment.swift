import Foundation

/// A CSM's judgement, at one moment, of trust and respect with an account (or one stakeholder).
///
/// Assessments form an append-friendly history: record a new one rather than editing an old one,
/// so crisis outcomes can compare before and after. `relationship` is derived and never stored.
public struct Assessment: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var accountID: String
    public var stakeholderID: String?
    public var assessedAt: Date
    public var trust: Level
    public var respect: Level
    public var note: String

    public init(
        id: String,
        accountID: String,
        stakeholderID: String? = nil,
        assessedAt: Date,
        trust: Level,
        respect: Level,
        note: String = ""
    ) {
        self.id = id
        self.accountID = accountID
        self.stakeholderID = stakeholderID
        self.assessedAt = assessedAt
        self.trust = trust
        self.respect = respect
        self.note = note
    }

    /// High only when both trust and respect are high; any Low means the relationship needs work.
    public var relationship: Level {
        trust == .high && respect == .high ? .high : .low
    }

    /// Stable JSON field names. `relationship` is absent on purpose: storing a derived value would
    /// let it disagree with trust and respect after a per-field merge.
    enum CodingKeys: String, CodingKey {
        case id, accountID, stakeholderID, assessedAt, trust, respect, note
    }
}

/// One relationship at an account: with one stakeholder, or the "unnamed" one of assessments that
/// name nobody, with its history of assessments.
///
/// The current relationship is the latest assessment's (ties on `assessedAt` go to the greatest id).
public struct StakeholderRelationship: Sendable, Hashable {
    /// The person; nil for the unnamed relationship (assessments without a live stakeholder of the account).
    public var stakeholder: Stakeholder?
    /// Assessments of this relationship, oldest first.
    public var history: [Assessment]

    public init(stakeholder: Stakeholder?, history: [Assessment]) {
        self.stakeholder = stakeholder
        self.history = history.sorted { ($0.assessedAt, $0.id) < ($1.assessedAt, $1.id) }
    }

    /// The stakeholder's id, or nil for the unnamed relationship.
    public var stakeholderID: String? { stakeholder?.id }
    /// The stakeholder's name, or "unnamed".
    public var name: String { stakeholder?.name ?? "unnamed" }
    /// Whether the stakeholder is marked key (never for the unnamed relationship).
    public var isKey: Bool { stakeholder?.isKey ?? false }
    /// The latest assessment; nil if never assessed.
    public var latest: Assessment? { history.last }
    /// The current relationship; nil if never assessed.
    public var level: Level? { latest?.relationship }
}

import Foundation

/// An account's relationship, derived from the relationships with its people.
///
/// Trust and respect are per relationship (essay 000), so the account's level is derived by one
/// rule, ``derive(accountID:stakeholders:assessments:)``:
/// 1. Each live stakeholder of the account is one relationship; assessments that name no
///    stakeholder form one "unnamed" relationship. Assessments of a stakeholder who is not a live
///    stakeholder of the account (removed, say, after leaving the customer) do not count.
///    A relationship's current level is its latest assessment's.
/// 2. The relationships that count are the key stakeholders that have been assessed. When no key
///    stakeholder has been assessed (or none is marked key), every assessed relationship counts,
///    the unnamed one included.
/// 3. The account is Low if any counted relationship is Low, High if all are High, and nil when
///    nothing has been assessed.
public struct AccountRelationship: Sendable, Hashable {
    /// Which relationships the level was derived from.
    public enum Basis: String, Sendable, Hashable, Codable {
        /// The assessed key stakeholders.
        case keyStakeholders
        /// Every assessed relationship (no key stakeholder is marked, or none has been assessed).
        case allAssessed
        /// Nothing has been assessed.
        case notAssessed
    }

    /// Every relationship: stakeholders by name (then id), then the unnamed one if it has assessments.
    public let relationships: [StakeholderRelationship]
    /// The relationships the level was derived from.
    public let counted: [StakeholderRelationship]
    public let basis: Basis
    /// Low if any counted relationship is Low, High if all are High; nil when nothing was assessed.
    public let level: Level?

    /// Counted relationships that are Low: the ones to work on.
    public var lowRelationships: [StakeholderRelationship] { counted.filter { $0.level == .low } }
    /// Key stakeholders never assessed: the account's level cannot speak for them.
    public var unassessedKeyStakeholders: [Stakeholder] { relationships.filter { $0.isKey && $0.latest == nil }.compactMap(\.stakeholder) }
    /// The most recent assessment of anyone at the account.
    public var latestAssessment: Assessment? {
        relationships.compactMap(\.latest).max { ($0.assessedAt, $0.id) < ($1.assessedAt, $1.id) }
    }

    /// Applies the rule above to account `accountID`'s live stakeholders and live assessments;
    /// records of other accounts are ignored.
    public static func derive(accountID: String, stakeholders: [Stakeholder], assessments: [Assessment]) -> AccountRelationship {
        let people = stakeholders.filter { $0.accountID == accountID }
            .sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        let known = Set(people.map(\.id))
        let own = assessments.filter { $0.accountID == accountID }
        let byPerson = Dictionary(grouping: own.filter { $0.stakeholderID.map(known.contains) ?? true }) { $0.stakeholderID ?? "" }
        var relationships = people.map { StakeholderRelationship(stakeholder: $0, history: byPerson[$0.id] ?? []) }
        if let unnamed = byPerson[""] { relationships.append(StakeholderRelationship(stakeholder: nil, history: unnamed)) }

        let assessed = relationships.filter { $0.latest != nil }
        let keys = assessed.filter(\.isKey)
        let counted = keys.isEmpty ? assessed : keys
        let basis: Basis = assessed.isEmpty ? .notAssessed : keys.isEmpty ? .allAssessed : .keyStakeholders
        let level: Level? = counted.isEmpty ? nil : counted.contains { $0.level == .low } ? .low : .high
        return AccountRelationship(relationships: relationships, counted: counted, basis: basis, level: level)
    }
}

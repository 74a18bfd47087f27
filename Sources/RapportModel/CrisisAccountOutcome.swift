import Foundation

/// What a crisis did to each relationship at its account, and the account's verdict.
///
/// Built by ``CrisisEvent/accountOutcome(relationships:)``. Each relationship is judged alone by
/// ``CrisisEvent/outcome(given:)`` over its own assessments. The account's verdict is the worst
/// (dropped, unknown, stayed low, improved, held) among the relationships that count: key
/// stakeholders assessed before the crisis if there are any, else every relationship assessed
/// before it. A relationship first assessed after the crisis says nothing about it and never counts.
public struct CrisisAccountOutcome: Sendable, Hashable {
    /// One relationship's outcome.
    public struct Entry: Sendable, Hashable {
        /// The stakeholder's id, nil for the unnamed relationship.
        public let stakeholderID: String?
        /// The stakeholder's name, or "unnamed".
        public let name: String
        public let isKey: Bool
        public let outcome: CrisisOutcome
    }

    /// Every relationship of the account, in ``AccountRelationship`` order.
    public let entries: [Entry]
    /// The entries the verdict was taken from.
    public let counted: [Entry]
    public let verdict: CrisisVerdict
    /// Why the verdict is unknown (nil otherwise): unresolved, nobody assessed before the crisis,
    /// or a relationship that counts has no assessment since the crisis was resolved.
    public let unknownReason: CrisisOutcome.Unknown?

    /// Counted relationships that dropped from High to Low through the crisis.
    public var dropped: [Entry] { counted.filter { $0.outcome.verdict == .dropped } }
    /// Counted relationships with no assessment since the crisis was resolved: assess them to learn the outcome.
    public var awaitingAssessment: [Entry] { counted.filter { $0.outcome.unknownReason == .noAssessmentAfter } }
}

extension CrisisEvent {
    /// Judges this crisis per relationship and for the account; see ``CrisisAccountOutcome``.
    public func accountOutcome(relationships: [StakeholderRelationship]) -> CrisisAccountOutcome {
        let entries = relationships.map { r in
            CrisisAccountOutcome.Entry(stakeholderID: r.stakeholderID, name: r.name, isKey: r.isKey, outcome: outcome(given: r.history))
        }
        guard resolvedAt != nil else {
            return CrisisAccountOutcome(entries: entries, counted: entries, verdict: .unknown, unknownReason: .unresolved)
        }
        let judged = entries.filter { $0.outcome.unknownReason != .noAssessmentBefore }
        let keys = judged.filter(\.isKey)
        let counted = keys.isEmpty ? judged : keys
        guard !counted.isEmpty else {
            return CrisisAccountOutcome(entries: entries, counted: [], verdict: .unknown, unknownReason: .noAssessmentBefore)
        }
        let verdicts = Set(counted.map(\.outcome.verdict))
        let verdict = CrisisVerdict.severity.first { verdicts.contains($0) } ?? .unknown
        return CrisisAccountOutcome(entries: entries, counted: counted, verdict: verdict,
                                    unknownReason: verdict == .unknown ? .noAssessmentAfter : nil)
    }
}

import Foundation
import RapportModel

/// An account that needs the CSM's attention, and why.
public struct AttentionItem: Hashable, Sendable {
    /// Why an account needs attention, most urgent first (the order of `allCases`).
    /// The raw values are stable names for JSON.
    public enum Reason: String, Hashable, Sendable, CaseIterable, Codable {
        /// A crisis dropped a relationship from High to Low and it has not been High since.
        case droppedInCrisis
        /// The renewal date is within the renewal window and the relationship is Low.
        case renewalAtRisk
        /// The account's relationship (by the key-stakeholder rule) is Low.
        case lowRelationship
        /// A crisis has no resolution date.
        case openCrisis
        /// A resolved crisis whose outcome is unknown: a relationship has no assessment since.
        case crisisNotReassessed
        case neverAssessed
        /// The most recent assessment is older than the stale window.
        case notAssessedRecently
    }

    public let overview: AccountOverview
    /// Every reason that applies, most urgent first; never empty.
    public let reasons: [Reason]
    /// The account's crises with their outcomes, oldest first (the evidence for crisis reasons).
    public let crises: [CrisisReport]

    /// The most urgent reason.
    public var reason: Reason { reasons[0] }

    /// Relationships a crisis dropped that have not been High since, by stakeholder name ("unnamed" for none).
    public var droppedRelationships: [String] { Self.stillDropped(crises, overview.relationships) }

    static func stillDropped(_ crises: [CrisisReport], _ relationships: AccountRelationship) -> [String] {
        var names: [String] = []
        for report in crises {
            for entry in report.accountOutcome.dropped {
                let now = relationships.relationships.first { $0.stakeholderID == entry.stakeholderID }
                if now?.level != .high, !names.contains(entry.name) { names.append(entry.name) }
            }
        }
        return names
    }

    /// The reasons that apply to one account (possibly none), most urgent first.
    static func reasons(for overview: AccountOverview, crises: [CrisisReport], staleCutoff: Date,
                        renewalCutoff: Date, now: Date) -> [Reason] {
        var found = Set<Reason>()
        if !stillDropped(crises, overview.relationships).isEmpty { found.insert(.droppedInCrisis) }
        if overview.relationship == .low {
            found.insert(.lowRelationship)
            if let renewal = overview.account.renewalDate, renewal >= now, renewal <= renewalCutoff { found.insert(.renewalAtRisk) }
        }
        if crises.contains(where: { $0.crisis.resolvedAt == nil }) { found.insert(.openCrisis) }
        if crises.contains(where: { $0.accountOutcome.unknownReason == .noAssessmentAfter }) { found.insert(.crisisNotReassessed) }
        if let last = overview.lastAssessedAt {
            // A latest assessment dated in the future (a typo synced from another replica) is not
            // recent: it must not keep the account off this list until that date.
            if last < staleCutoff || last > now.addingTimeInterval(86_400) { found.insert(.notAssessedRecently) }
        } else {
            found.insert(.neverAssessed)
        }
        return Reason.allCases.filter(found.contains)
    }
}

extension Store {
    /// Accounts that need attention, ordered by name: a Low relationship, a relationship a crisis
    /// dropped, an open crisis, a resolved crisis nobody re-assessed, a renewal within
    /// `renewalDays` with a Low relationship, or no assessment in the last `days` days.
    public func needingAttention(days: Int, renewalDays: Int = 60, now: Date = Date()) throws -> [AttentionItem] {
        try attention(days: days, renewalDays: renewalDays, now: now).filter { !$0.reasons.isEmpty }
            .map { AttentionItem(overview: $0.overview, reasons: $0.reasons, crises: $0.crises) }
    }

    /// Every live account with the reasons that apply to it (possibly none), ordered by name.
    func attention(days: Int, renewalDays: Int, now: Date) throws
        -> [(overview: AccountOverview, reasons: [AttentionItem.Reason], crises: [CrisisReport])] {
        let staleCutoff = now.addingTimeInterval(-Double(days) * 86_400)
        let renewalCutoff = now.addingTimeInterval(Double(renewalDays) * 86_400)
        let crises = Dictionary(grouping: try crisisReports(), by: \.crisis.accountID)
        return try accountOverviews().map { overview in
            let own = crises[overview.account.id] ?? []
            return (overview, AttentionItem.reasons(for: overview, crises: own, staleCutoff: staleCutoff, renewalCutoff: renewalCutoff, now: now), own)
        }
    }
}

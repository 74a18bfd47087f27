import Foundation
import RapportModel

/// A CSM's book of business at a glance: how many relationships are High or Low, how much ARR is
/// at risk, and the accounts in the order they need attention.
///
/// Built by ``Store/portfolio(owner:segment:staleDays:renewalDays:now:)``. An account's ARR is at
/// risk when its relationship is Low or a crisis dropped one of its relationships and it has not
/// been High since.
public struct Portfolio: Hashable, Sendable {
    /// One account of the portfolio.
    public struct Entry: Hashable, Sendable {
        public let overview: AccountOverview
        /// Why it needs attention, most urgent first; empty when it does not.
        public let reasons: [AttentionItem.Reason]
        /// Relationships a crisis dropped that have not been High since, by name.
        public let droppedRelationships: [String]
        /// Whether its ARR counts toward ``Portfolio/arrAtRisk``.
        public var atRisk: Bool { overview.relationship == .low || !droppedRelationships.isEmpty }
    }

    /// Accounts needing attention first (by their most urgent reason, then by ARR, largest first),
    /// then the others by ARR; ties by name.
    public let entries: [Entry]

    /// Accounts whose relationship is High, Low, or not assessed.
    public var highAccounts: Int { entries.count { $0.overview.relationship == .high } }
    public var lowAccounts: Int { entries.count { $0.overview.relationship == .low } }
    public var unassessedAccounts: Int { entries.count { $0.overview.relationship == nil } }
    /// Current relationships with people (and unnamed ones) that are High or Low, across the accounts.
    public var highRelationships: Int { entries.reduce(0) { $0 + $1.overview.relationships.relationships.count { $0.level == .high } } }
    public var lowRelationships: Int { entries.reduce(0) { $0 + $1.overview.relationships.relationships.count { $0.level == .low } } }
    /// The ARR of all accounts, and of those at risk (relationship Low, or dropped through a crisis).
    public var arr: Double { entries.reduce(0) { $0 + $1.overview.account.arr } }
    public var arrAtRisk: Double { entries.filter(\.atRisk).reduce(0) { $0 + $1.overview.account.arr } }
}

extension Store {
    /// The portfolio of live accounts, optionally only those of one `owner` and/or `segment`
    /// (compared without letter case). `staleDays` and `renewalDays` are the windows of
    /// ``needingAttention(days:renewalDays:now:)``.
    public func portfolio(owner: String? = nil, segment: String? = nil, staleDays: Int = 30, renewalDays: Int = 60,
                          now: Date = Date()) throws -> Portfolio {
        func matches(_ value: String, _ filter: String?) -> Bool { filter.map { value.caseInsensitiveCompare($0) == .orderedSame } ?? true }
        let rank = Dictionary(uniqueKeysWithValues: AttentionItem.Reason.allCases.enumerated().map { ($1, $0) })
        let entries = try attention(days: staleDays, renewalDays: renewalDays, now: now)
            .filter { matches($0.overview.account.owner, owner) && matches($0.overview.account.segment, segment) }
            .map { Portfolio.Entry(overview: $0.overview, reasons: $0.reasons, droppedRelationships: AttentionItem.stillDropped($0.crises, $0.overview.relationships)) }
        func key(_ e: Portfolio.Entry) -> (Int, Double, String, String) {
            (e.reasons.first.flatMap { rank[$0] } ?? rank.count, -e.overview.account.arr, e.overview.account.name, e.overview.account.id)
        }
        return Portfolio(entries: entries.sorted { key($0) < key($1) })
    }
}

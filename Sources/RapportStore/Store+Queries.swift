import Foundation
import RapportMerge
import RapportModel

/// An account with its current relationship: the latest live assessment's levels.
public struct AccountOverview: Hashable, Sendable {
    public let account: Account
    public let latest: Assessment?
    /// `.high` only when both trust and respect were high at the latest assessment; nil if never assessed.
    public var relationship: Level? { latest?.relationship }
    public var lastAssessedAt: Date? { latest?.assessedAt }
}

/// A crisis with what happened to the relationship through it.
public struct CrisisReport: Hashable, Sendable {
    public let crisis: CrisisEvent
    public let outcome: CrisisOutcome
}

/// An account that needs the CSM's attention, and why.
public struct AttentionItem: Hashable, Sendable {
    public enum Reason: String, Hashable, Sendable {
        case lowRelationship, notAssessedRecently, neverAssessed
    }
    public let overview: AccountOverview
    public let reason: Reason
}

extension Store {
    /// Live accounts ordered by name, each with its latest live assessment.
    public func accountOverviews() throws -> [AccountOverview] {
        let accounts = try self.accounts.list()
        let latest = try latestAssessments()
        return accounts
            .map { AccountOverview(account: $0, latest: latest[$0.id]) }
            .sorted { ($0.account.name, $0.account.id) < ($1.account.name, $1.account.id) }
    }

    private func latestAssessments() throws -> [String: Assessment] {
        let ids: [String] = try withCore { core in
            try core.read {
                // SQLite returns the bare column from the row holding the MAX.
                let statement = try core.db.cachedStatement("""
                    SELECT id, MAX(assessedAt) FROM assessment WHERE _deleted = 0 GROUP BY accountID
                    """)
                defer { statement.reset() }
                var ids: [String] = []
                while try statement.step() { ids.append(statement.string(0) ?? "") }
                return ids
            }
        }
        var result: [String: Assessment] = [:]
        for id in ids {
            if let assessment = try assessments.get(id: id) { result[assessment.accountID] = assessment }
        }
        return result
    }

    /// An account's live assessments, oldest first.
    public func history(accountID: String) throws -> [Assessment] {
        try assessments.list(where: "accountID", equals: .string(accountID))
            .sorted { ($0.assessedAt, $0.id) < ($1.assessedAt, $1.id) }
    }

    /// Live crises (of one account, or all), by start date, each with held / dropped / unknown.
    public func crisisReports(accountID: String? = nil) throws -> [CrisisReport] {
        let crises = try accountID.map { try self.crises.list(where: "accountID", equals: .string($0)) } ?? self.crises.list()
        var historyByAccount: [String: [Assessment]] = [:]
        return try crises.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }.map { crisis in
            if historyByAccount[crisis.accountID] == nil { historyByAccount[crisis.accountID] = try history(accountID: crisis.accountID) }
            return CrisisReport(crisis: crisis, outcome: crisis.outcome(given: historyByAccount[crisis.accountID] ?? []))
        }
    }

    /// The balanced scorecard of `period`, with the weight set in effect then.
    ///
    /// A database from before natural ids may hold two weight sets effective at one instant or two
    /// measurements of one objective in one period; each counts once, as ``KeyedRecords`` says
    /// (`distinct` lists what was left out).
    public func scorecard(for period: Period) throws -> ScoreReport {
        let card = try Scorecard(objectives: try objectives.list(), weightSets: try distinct(WeightSet.self).records)
        let measured = try distinct(RapportModel.Measurement.self, where: "period", equals: .string(period.description)).records
        return try card.report(for: period, measurements: measured)
    }

    /// Accounts whose relationship is Low, or that were not assessed in the last `days` days.
    public func needingAttention(days: Int, now: Date = Date()) throws -> [AttentionItem] {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        return try accountOverviews().compactMap { overview in
            guard let latest = overview.latest else { return AttentionItem(overview: overview, reason: .neverAssessed) }
            if latest.relationship == .low { return AttentionItem(overview: overview, reason: .lowRelationship) }
            // A latest assessment dated in the future (a typo synced from another replica) is not
            // recent: it must not keep the account off this list until that date.
            if latest.assessedAt < cutoff || latest.assessedAt > now.addingTimeInterval(86_400) {
                return AttentionItem(overview: overview, reason: .notAssessedRecently)
            }
            return nil
        }
    }
}

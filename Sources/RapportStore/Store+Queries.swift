import Foundation
import RapportMerge
import RapportModel

/// An account with its current relationship, derived from its people by `AccountRelationship`'s rule.
public struct AccountOverview: Hashable, Sendable {
    public let account: Account
    /// The relationships with the account's people and how the account's level follows from them.
    public let relationships: AccountRelationship
    /// The most recent live assessment of anyone at the account.
    public var latest: Assessment? { relationships.latestAssessment }
    /// Low if any counted relationship is Low (key stakeholders first); nil if never assessed.
    public var relationship: Level? { relationships.level }
    public var lastAssessedAt: Date? { latest?.assessedAt }
}

/// A crisis with what happened to the relationships through it.
public struct CrisisReport: Hashable, Sendable {
    public let crisis: CrisisEvent
    /// The outcome over the account's assessments taken as one relationship, whoever they name
    /// (the rule before stakeholders counted; removed people's assessments left out). Prefer
    /// ``accountOutcome``, which judges each relationship and names who dropped.
    public let outcome: CrisisOutcome
    /// The outcome per relationship and the account's verdict, naming who dropped.
    public let accountOutcome: CrisisAccountOutcome
}

extension Store {
    /// Live accounts ordered by name, each with its relationships derived from its live
    /// stakeholders and assessments.
    public func accountOverviews() throws -> [AccountOverview] {
        let accounts = try self.accounts.list()
        let people = Dictionary(grouping: try stakeholders.list(), by: \.accountID)
        let assessed = Dictionary(grouping: try assessments.list(), by: \.accountID)
        return accounts
            .map { AccountOverview(account: $0, relationships: .derive(accountID: $0.id, stakeholders: people[$0.id] ?? [], assessments: assessed[$0.id] ?? [])) }
            .sorted { ($0.account.name, $0.account.id) < ($1.account.name, $1.account.id) }
    }

    /// One account's relationships (with each stakeholder and the unnamed one) and the level derived from them.
    public func relationships(accountID: String) throws -> AccountRelationship {
        .derive(accountID: accountID, stakeholders: try stakeholders.list(where: "accountID", equals: .string(accountID)),
                assessments: try history(accountID: accountID))
    }

    /// An account's live assessments, oldest first.
    public func history(accountID: String) throws -> [Assessment] {
        try assessments.list(where: "accountID", equals: .string(accountID))
            .sorted { ($0.assessedAt, $0.id) < ($1.assessedAt, $1.id) }
    }

    /// Live crises (of one account, or all), by start date, each judged per relationship.
    public func crisisReports(accountID: String? = nil) throws -> [CrisisReport] {
        let crises = try accountID.map { try self.crises.list(where: "accountID", equals: .string($0)) } ?? self.crises.list()
        var relationshipsByAccount: [String: AccountRelationship] = [:]
        return try crises.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }.map { crisis in
            if relationshipsByAccount[crisis.accountID] == nil { relationshipsByAccount[crisis.accountID] = try relationships(accountID: crisis.accountID) }
            let relationships = relationshipsByAccount[crisis.accountID]!
            return CrisisReport(crisis: crisis, outcome: crisis.outcome(given: relationships.relationships.flatMap(\.history)),
                                accountOutcome: crisis.accountOutcome(relationships: relationships.relationships))
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
}

import Foundation
import RapportModel
import RapportStore

/// Everything the HTML report shows, gathered from a store in one place (``load(from:period:now:)``).
///
/// The renderer (``ReportHTML``) reads only this value, so it can be tested without a store and the
/// questions asked of the store change in one function.
public struct ReportData: Sendable {
    /// An account with its current relationship and whether its ARR counts as at risk.
    public struct AccountRow: Sendable, Hashable {
        public var account: Account
        public var relationship: Level?
        public var lastAssessedAt: Date?
        /// Low now, or a crisis dropped one of its relationships and it has not been High since
        /// (``Portfolio/Entry/atRisk``).
        public var atRisk: Bool

        public init(account: Account, relationship: Level?, lastAssessedAt: Date?, atRisk: Bool) {
            self.account = account
            self.relationship = relationship
            self.lastAssessedAt = lastAssessedAt
            self.atRisk = atRisk
        }
    }

    /// One relationship placed in the Trust × Respect grid: a stakeholder's latest assessment, or
    /// the latest assessment of the account as a whole (no stakeholder named).
    public struct RelationshipPoint: Sendable, Hashable {
        /// The stakeholder's name, or nil for the account as a whole.
        public var stakeholder: String?
        public var role: String
        public var account: String
        public var trust: Level
        public var respect: Level
        public var assessedAt: Date

        public init(stakeholder: String?, role: String = "", account: String, trust: Level, respect: Level, assessedAt: Date) {
            self.stakeholder = stakeholder
            self.role = role
            self.account = account
            self.trust = trust
            self.respect = respect
            self.assessedAt = assessedAt
        }
    }

    /// A crisis, the account's name and what happened to each relationship through it.
    public struct CrisisRow: Sendable, Hashable {
        public var crisis: CrisisEvent
        public var account: String
        public var outcome: CrisisAccountOutcome

        public init(crisis: CrisisEvent, account: String, outcome: CrisisAccountOutcome) {
            self.crisis = crisis
            self.account = account
            self.outcome = outcome
        }
    }

    /// The overall score of one period of the trend, or nil where it cannot be scored.
    public struct TrendPoint: Sendable, Hashable {
        public var period: Period
        public var overall: Double?
        public var coverage: Double?
        /// The weight set that judged the period, nil when none was in force.
        public var weightSet: WeightSet?

        public init(period: Period, overall: Double?, coverage: Double?, weightSet: WeightSet?) {
            self.period = period
            self.overall = overall
            self.coverage = coverage
            self.weightSet = weightSet
        }
    }

    /// The score of the report's period, or why there is none.
    public enum Score: Sendable, Hashable {
        case report(ScoreReport)
        case unavailable(String)
    }

    public var period: Period
    public var generatedAt: Date
    public var replicaName: String
    public var accounts: [AccountRow]
    public var relationships: [RelationshipPoint]
    public var crises: [CrisisRow]
    public var trend: [TrendPoint]
    public var score: Score
    /// The scorecard's objectives, to name a score line by its key.
    public var objectives: [Objective]

    public init(
        period: Period, generatedAt: Date, replicaName: String = "", accounts: [AccountRow], relationships: [RelationshipPoint],
        crises: [CrisisRow], trend: [TrendPoint], score: Score, objectives: [Objective]
    ) {
        self.period = period
        self.generatedAt = generatedAt
        self.replicaName = replicaName
        self.accounts = accounts
        self.relationships = relationships
        self.crises = crises
        self.trend = trend
        self.score = score
        self.objectives = objectives
    }

    /// Accounts whose current relationship is High.
    public var highCount: Int { accounts.count { $0.relationship == .high } }
    /// Accounts whose current relationship is Low.
    public var lowCount: Int { accounts.count { $0.relationship == .low } }
    /// Accounts never assessed.
    public var unassessedCount: Int { accounts.count { $0.relationship == nil } }
    /// The ARR of all accounts.
    public var totalARR: Double { accounts.reduce(0) { $0 + $1.account.arr } }
    /// The ARR of accounts at risk (see ``AccountRow/atRisk``).
    public var arrAtRisk: Double { accounts.filter(\.atRisk).reduce(0) { $0 + $1.account.arr } }
}

extension ReportData {
    /// Gathers the report of `period` from `store`: the one place that asks the store.
    ///
    /// The trend holds every period of the same kind as `period` (months, quarters or years) that
    /// has a measurement, up to and including `period`; a period no weight set covers is a gap.
    public static func load(from store: Store, period: Period, now: Date = Date()) throws -> ReportData {
        // The portfolio's rule for the account's relationship (its key stakeholders) and for ARR
        // at risk, so the page and `rapport portfolio` never disagree.
        let portfolio = try store.portfolio(now: now).entries.sorted { $0.overview.account.name < $1.overview.account.name }
        let overviews = portfolio.map(\.overview)
        let names = Dictionary(overviews.map { ($0.account.id, $0.account.name) }, uniquingKeysWith: { first, _ in first })
        let crises = try store.crisisReports().filter { names[$0.crisis.accountID] != nil }
        let accounts = portfolio.map { entry in
            AccountRow(account: entry.overview.account, relationship: entry.overview.relationship,
                       lastAssessedAt: entry.overview.lastAssessedAt, atRisk: entry.atRisk)
        }

        // Each live stakeholder's current relationship (and the account's unnamed one) in the grid.
        var relationships: [RelationshipPoint] = []
        for overview in overviews {
            for relationship in overview.relationships.relationships {
                guard let latest = relationship.latest else { continue }
                relationships.append(RelationshipPoint(
                    stakeholder: relationship.stakeholderID == nil ? nil : relationship.name, role: relationship.stakeholder?.role ?? "",
                    account: overview.account.name, trust: latest.trust, respect: latest.respect, assessedAt: latest.assessedAt))
            }
        }

        let weightSets = try store.weightSets.list()
        let measured = Set(try store.measurements.list().map(\.period)).filter { $0.granularity == period.granularity && $0 <= period }
        let trend = try (measured.union([period])).sorted().map { point in
            do {
                let report = try store.scorecard(for: point)
                return TrendPoint(period: point, overall: report.overall, coverage: report.coverage,
                                  weightSet: weightSets.first { $0.id == report.weightSetID })
            } catch is ScorecardError {
                return TrendPoint(period: point, overall: nil, coverage: nil, weightSet: nil)
            }
        }
        let score: Score
        do { score = .report(try store.scorecard(for: period)) } catch let error as ScorecardError { score = .unavailable(error.message) }

        return ReportData(
            period: period, generatedAt: now, replicaName: try store.info().name, accounts: accounts, relationships: relationships,
            crises: crises.map { CrisisRow(crisis: $0.crisis, account: names[$0.crisis.accountID] ?? $0.crisis.accountID, outcome: $0.accountOutcome) },
            trend: trend, score: score, objectives: try store.objectives.list())
    }
}

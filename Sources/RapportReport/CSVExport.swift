import Foundation
import RapportModel
import RapportStore

/// The four tables a spreadsheet user exports: accounts, assessments, measurements and scores.
///
/// Ids sit beside names so a sheet can join the tables (an assessment's `account_id` is an account's
/// `id`). Levels are `high` / `low`; fractions (coverage) are fractions 0…1, scores 0–100.
public enum CSVExport {
    /// Which table.
    public enum Kind: String, CaseIterable, Sendable {
        case accounts, assessments, measurements, scores

        /// The file name used when all tables go to a directory.
        public var fileName: String { rawValue + ".csv" }
    }

    /// A table of live records read from `store`; `skipped` lists periods the scores table could not
    /// score (e.g. no weight set in force), each with the reason.
    public static func table(_ kind: Kind, from store: Store) throws -> (table: CSVTable, skipped: [String]) {
        switch kind {
        case .accounts: (try accounts(store), [])
        case .assessments: (try assessments(store), [])
        case .measurements: (try measurements(store), [])
        case .scores: try scores(store)
        }
    }

    private static func accounts(_ store: Store) throws -> CSVTable {
        var table = CSVTable(header: ["id", "name", "segment", "owner", "arr", "renewal_date", "relationship", "last_assessed_at"])
        for overview in try store.accountOverviews() {
            let account = overview.account
            table.append([.text(account.id), .text(account.name), .text(account.segment), .text(account.owner), .number(account.arr),
                          .date(account.renewalDate), .text(overview.relationship?.rawValue), .date(overview.lastAssessedAt)])
        }
        return table
    }

    private static func assessments(_ store: Store) throws -> CSVTable {
        var table = CSVTable(header: ["id", "account_id", "account", "stakeholder_id", "stakeholder", "assessed_at", "trust", "respect", "relationship", "note"])
        let stakeholders = Dictionary(try store.stakeholders.list().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for overview in try store.accountOverviews() {
            for assessment in try store.history(accountID: overview.account.id) {
                table.append([.text(assessment.id), .text(overview.account.id), .text(overview.account.name), .text(assessment.stakeholderID),
                              .text(assessment.stakeholderID.flatMap { stakeholders[$0] }), .date(assessment.assessedAt),
                              .text(assessment.trust.rawValue), .text(assessment.respect.rawValue), .text(assessment.relationship.rawValue),
                              .text(assessment.note)])
            }
        }
        return table
    }

    private static func measurements(_ store: Store) throws -> CSVTable {
        var table = CSVTable(header: ["id", "objective_id", "objective_key", "objective", "period", "period_start", "value"])
        let objectives = Dictionary(try store.objectives.list().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sorted = try store.measurements.list().sorted { ($0.period, $0.objectiveID) < ($1.period, $1.objectiveID) }
        for measurement in sorted {
            let objective = objectives[measurement.objectiveID]
            table.append([.text(measurement.id), .text(measurement.objectiveID), .text(objective?.key.rawValue), .text(objective?.name),
                          .text(measurement.period.description), .date(measurement.period.start), .number(measurement.value)])
        }
        return table
    }

    /// One row per period and objective, the period's overall score and coverage repeated on each,
    /// so a pivot table or a filter on one objective needs no lookup.
    private static func scores(_ store: Store) throws -> (CSVTable, [String]) {
        var table = CSVTable(header: [
            "period", "weight_set_id", "overall", "coverage", "objective_id", "objective_key", "objective", "raw", "score", "weight", "contribution",
        ])
        let keys = Dictionary(try store.objectives.list().map { ($0.id, $0.key.rawValue) }, uniquingKeysWith: { first, _ in first })
        var skipped: [String] = []
        for period in Set(try store.measurements.list().map(\.period)).sorted() {
            let report: ScoreReport
            do { report = try store.scorecard(for: period) } catch let error as ScorecardError {
                skipped.append("\(period): \(error.message)")
                continue
            }
            for line in report.lines {
                table.append([.text(period.description), .text(report.weightSetID), .number(report.overall), .number(report.coverage),
                              .text(line.objectiveID), .text(keys[line.objectiveID]), .text(line.objectiveName), .number(line.raw),
                              .number(line.score), .number(line.weight), .number(line.contribution)])
            }
        }
        return (table, skipped)
    }
}

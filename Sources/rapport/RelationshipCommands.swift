import ArgumentParser
import Foundation
import RapportModel
import RapportStore

struct Assess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record Trust and Respect for an account; the relationship is High only when both are High.")

    @OptionGroup var options: ReplicaOptions
    @Argument(help: "Account id or name.") var account: String
    @Option(help: "Trust: high or low.") var trust: Level
    @Option(help: "Respect: high or low.") var respect: Level
    @Option(help: "Stakeholder id this assessment is about.") var stakeholder: String?
    @Option(help: "Evidence for the assessment.") var note = ""
    @Option(help: "When (2026-11-23 or full ISO date-time; default now).") var at: String?

    func run() throws {
        let when = try at.map { try parseDate($0, option: "--at") } ?? Date()
        let store = try options.openStore()
        let found = try store.findAccount(account)
        let assessment = Assessment(id: newID("as"), accountID: found.id, stakeholderID: stakeholder,
                                    assessedAt: Date(timeIntervalSince1970: (when.timeIntervalSince1970 * 1000).rounded() / 1000),
                                    trust: trust, respect: respect, note: note)
        try cli { try store.assessments.create(assessment) }
        if options.json {
            printJSON(["id": assessment.id, "accountID": found.id, "relationship": assessment.relationship.rawValue])
        } else {
            print("\(found.name): trust \(trust.rawValue), respect \(respect.rawValue) → relationship \(assessment.relationship == .high ? "HIGH" : "LOW")\(assessment.relationship == .low ? " (needs work)" : "") [\(assessment.id)]")
        }
    }
}

struct AssessmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assessment", abstract: "Edit, delete or restore one assessment.", subcommands: [Edit.self, Delete.self, Restore.self])

    struct Edit: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Assessment id (see `rapport history ACCOUNT`).") var id: String
        @Option var trust: Level?
        @Option var respect: Level?
        @Option var note: String?
        @Option var at: String?

        func run() throws {
            let store = try options.openStore()
            var assessment = try store.findAssessment(id)
            let assessedAt = try at.map { try parseDate($0, option: "--at") }
            let changed = try cli {
                try store.assessments.update(id: assessment.id) { stored in
                    if let trust { stored.trust = trust }
                    if let respect { stored.respect = respect }
                    if let note { stored.note = note }
                    if let assessedAt { stored.assessedAt = assessedAt }
                    assessment = stored
                }
            }
            if options.json { printJSON(["id": id, "changed": changed, "relationship": assessment.relationship.rawValue]) } else {
                print(changed.isEmpty ? "Nothing changed." : "Updated \(changed.joined(separator: ", ")); relationship \(assessment.relationship.rawValue)")
            }
        }
    }

    struct Delete: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        @Argument var id: String
        func run() throws {
            let store = try options.openStore()
            _ = try store.findAssessment(id)
            try cli { _ = try store.assessments.delete(id: id) }
            if options.json { printJSON(["id": id, "deleted": true]) } else { print("Deleted assessment \(id).") }
        }
    }

    struct Restore: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        @Argument var id: String
        func run() throws {
            let store = try options.openStore()
            _ = try store.findAssessment(id, includeDeleted: true)
            let restored = try cli { try store.assessments.restore(id: id) }
            if options.json { printJSON(["id": id, "restored": restored]) } else { print(restored ? "Restored assessment \(id)." : "Assessment \(id) was not deleted.") }
        }
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "An account's relationship over time, with crises and whether it held.")

    @OptionGroup var options: ReplicaOptions
    @Argument(help: "Account id or name.") var account: String

    func run() throws {
        let store = try options.openStore()
        let found = try store.findAccount(account)
        let history = try cli { try store.history(accountID: found.id) }
        let crises = try cli { try store.crisisReports(accountID: found.id) }
        if options.json {
            printJSON([
                "accountID": found.id,
                "assessments": history.map { ["id": $0.id, "assessedAt": Format.time($0.assessedAt), "trust": $0.trust.rawValue,
                                              "respect": $0.respect.rawValue, "relationship": $0.relationship.rawValue, "note": $0.note] },
                "crises": crises.map { ["id": $0.crisis.id, "startedAt": Format.time($0.crisis.startedAt),
                                        "resolvedAt": $0.crisis.resolvedAt.map(Format.time) ?? NSNull(), "outcome": $0.outcome.label,
                                        "severity": $0.crisis.severity.rawValue, "summary": $0.crisis.summary] as [String: Any] },
            ] as [String: Any])
            return
        }
        var rows: [(Date, [String])] = history.map { a in
            (a.assessedAt, [Format.day(a.assessedAt), "assessment", a.trust.rawValue, a.respect.rawValue, a.relationship == .high ? "High" : "Low", a.note, a.id])
        }
        for report in crises {
            rows.append((report.crisis.startedAt, [Format.day(report.crisis.startedAt), "⚠ crisis (\(report.crisis.severity.rawValue))", "", "", "", report.crisis.summary, report.crisis.id]))
            if let resolved = report.crisis.resolvedAt {
                rows.append((resolved, [Format.day(resolved), "crisis resolved", "", "", "", "relationship \(report.outcome.label)", report.crisis.id]))
            }
        }
        print("\(found.name) (\(found.id))")
        printTable(["DATE", "EVENT", "TRUST", "RESPECT", "RELATIONSHIP", "NOTE", "ID"], rows.sorted { $0.0 < $1.0 }.map(\.1),
                   empty: "No assessments yet: `rapport assess \(found.id) --trust high --respect high`.")
    }
}

struct CrisisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crisis", abstract: "Record crises and see whether relationships held through them.",
        subcommands: [Add.self, Resolve.self, List.self], defaultSubcommand: List.self)

    struct Add: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String
        @Option(help: "When it started (default now).") var started: String?
        @Option(help: "low, medium, high or critical.") var severity: Severity = .medium
        @Option(help: "What happened.") var summary = ""

        func run() throws {
            let startedAt = try started.map { try parseDate($0, option: "--started") } ?? Date()
            let store = try options.openStore()
            let found = try store.findAccount(account)
            let crisis = CrisisEvent(id: newID("crisis"), accountID: found.id, startedAt: startedAt, severity: severity, summary: summary)
            try cli { try store.crises.create(crisis) }
            if options.json { printJSON(["id": crisis.id]) } else { print("Crisis \(crisis.id) recorded for \(found.name).") }
        }
    }

    struct Resolve: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Crisis id.") var id: String
        @Option(help: "When it was resolved (default now).") var at: String?

        func run() throws {
            let store = try options.openStore()
            guard var crisis = try cli({ try store.crises.get(id: id) }) else { throw CLIError("no crisis '\(id)': `rapport crisis list` shows ids", code: .notFound) }
            let resolvedAt = try at.map { try parseDate($0, option: "--at") } ?? Date()
            guard resolvedAt >= crisis.startedAt else {
                throw CLIError("--at \(Format.time(resolvedAt)) is before the crisis started (\(Format.time(crisis.startedAt))): give a date on or after it", code: .invalidInput)
            }
            try cli { _ = try store.crises.update(id: id) { $0.resolvedAt = resolvedAt } }
            crisis.resolvedAt = resolvedAt
            if options.json { printJSON(["id": id, "resolvedAt": Format.time(crisis.resolvedAt!)]) } else { print("Crisis \(id) resolved; assess the account again to see whether the relationship held.") }
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String?

        func run() throws {
            let store = try options.openStore()
            let reports = try cli { try store.crisisReports(accountID: try account.map { try store.findAccount($0).id }) }
            if options.json {
                printJSON(reports.map { ["id": $0.crisis.id, "accountID": $0.crisis.accountID, "severity": $0.crisis.severity.rawValue, "outcome": $0.outcome.label,
                                          "startedAt": Format.time($0.crisis.startedAt), "resolvedAt": $0.crisis.resolvedAt.map(Format.time) ?? NSNull(),
                                          "summary": $0.crisis.summary] as [String: Any] })
                return
            }
            printTable(["ID", "ACCOUNT", "STARTED", "RESOLVED", "SEVERITY", "RELATIONSHIP", "SUMMARY"], reports.map { r in
                [r.crisis.id, r.crisis.accountID, Format.day(r.crisis.startedAt), Format.day(r.crisis.resolvedAt), r.crisis.severity.rawValue, r.outcome.label, r.crisis.summary]
            })
        }
    }
}

struct Attention: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accounts whose relationship is Low, or not assessed in N days.")

    @OptionGroup var options: ReplicaOptions
    @Option(parsing: .unconditional, help: "How many days without an assessment counts as stale.") var days = 30

    func validate() throws { guard days > 0 else { throw ValidationError("--days must be a positive number of days, e.g. --days 30") } }

    func run() throws {
        let store = try options.openStore()
        let items = try cli { try store.needingAttention(days: days) }
        if options.json {
            printJSON(items.map { ["id": $0.overview.account.id, "name": $0.overview.account.name, "reason": $0.reason.rawValue,
                                    "lastAssessedAt": $0.overview.lastAssessedAt.map(Format.time) ?? NSNull()] as [String: Any] })
            return
        }
        printTable(["ACCOUNT", "ID", "WHY", "LAST ASSESSED"], items.map { item in
            let why = switch item.reason {
            case .lowRelationship: "relationship is Low"
            case .notAssessedRecently: "not assessed in \(days) days"
            case .neverAssessed: "never assessed"
            }
            return [item.overview.account.name, item.overview.account.id, why, Format.day(item.overview.lastAssessedAt)]
        }, empty: "Every account has a recent High relationship.")
    }
}

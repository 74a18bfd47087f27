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
    @Option(help: "The stakeholder (name or id, of this account) this assessment is about; without it, the account's unnamed relationship.") var stakeholder: String?
    @Option(help: "Evidence for the assessment.") var note = ""
    @Option(help: "When (2026-11-23 or full ISO date-time; default now).") var at: String?

    func run() throws {
        let when = try at.map { try parseDate($0, option: "--at") } ?? Date()
        let store = try options.openStore()
        let found = try store.findAccount(account)
        let person = try stakeholder.map { try store.findStakeholder($0, of: found) }
        let assessment = Assessment(id: newID("as"), accountID: found.id, stakeholderID: person?.id,
                                    assessedAt: Date(timeIntervalSince1970: (when.timeIntervalSince1970 * 1000).rounded() / 1000),
                                    trust: trust, respect: respect, note: note)
        try cli { try store.assessments.create(assessment) }
        if options.json {
            printJSON(["id": assessment.id, "accountID": found.id, "stakeholderID": person?.id ?? NSNull(),
                       "relationship": assessment.relationship.rawValue] as [String: Any])
        } else {
            print("\(found.name)\(person.map { " / \($0.name)" } ?? ""): trust \(trust.rawValue), respect \(respect.rawValue) → relationship \(assessment.relationship == .high ? "HIGH" : "LOW")\(assessment.relationship == .low ? " (needs work)" : "") [\(assessment.id)]")
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
    static let configuration = CommandConfiguration(abstract: "An account's relationships over time (who was assessed), with crises and whether each relationship held.")

    @OptionGroup var options: ReplicaOptions
    @Argument(help: "Account id or name.") var account: String
    @Flag(help: "Only the assessments where a relationship changed level, High → Low drops marked ▼.") var changes = false
    @Option(help: "Only this stakeholder's relationship (name or id, of this account).") var stakeholder: String?

    func run() throws {
        let store = try options.openStore()
        let found = try store.findAccount(account)
        let person = try stakeholder.map { try store.findStakeholder($0, of: found) }
        let history = try cli { try store.history(accountID: found.id) }.filter { person == nil || $0.stakeholderID == person?.id }
        let relationships = try cli { try store.relationships(accountID: found.id) }
        let crises = try cli { try store.crisisReports(accountID: found.id) }
        // Names of everyone ever assessed here, removed people included, so history says who.
        let names = Dictionary(try cli { try store.stakeholders.list(includeDeleted: true, where: "accountID", equals: .string(found.id)) }
            .map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        func who(_ id: String?) -> String { id.map { names[$0] ?? $0 } ?? "unnamed" }
        if changes { return printChanges(found, relationships.changes.filter { person == nil || $0.stakeholderID == person?.id }) }
        if options.json {
            printJSON([
                "accountID": found.id,
                "relationship": relationships.level?.rawValue ?? NSNull(),
                "assessments": history.map { ["id": $0.id, "assessedAt": Format.time($0.assessedAt), "trust": $0.trust.rawValue,
                                              "stakeholderID": $0.stakeholderID ?? NSNull(), "stakeholderName": who($0.stakeholderID),
                                              "respect": $0.respect.rawValue, "relationship": $0.relationship.rawValue, "note": $0.note] as [String: Any] },
                "crises": crises.map { ["id": $0.crisis.id, "startedAt": Format.time($0.crisis.startedAt),
                                        "resolvedAt": $0.crisis.resolvedAt.map(Format.time) ?? NSNull(),
                                        "severity": $0.crisis.severity.rawValue, "summary": $0.crisis.summary,
                                        "outcome": $0.accountOutcome.verdict.label, "detail": outcomeJSON($0)] as [String: Any] },
            ] as [String: Any])
            return
        }
        var rows: [(Date, [String])] = history.map { a in
            (a.assessedAt, [Format.day(a.assessedAt), "assessment", who(a.stakeholderID), a.trust.rawValue, a.respect.rawValue,
                            a.relationship == .high ? "High" : "Low", a.note, a.id])
        }
        for report in crises {
            rows.append((report.crisis.startedAt, [Format.day(report.crisis.startedAt), "⚠ crisis (\(report.crisis.severity.rawValue))", "", "", "", "", report.crisis.summary, report.crisis.id]))
            if let resolved = report.crisis.resolvedAt {
                rows.append((resolved, [Format.day(resolved), "crisis resolved", "", "", "", "", "relationship \(describeOutcome(report, account: found.id))", report.crisis.id]))
            }
        }
        print("\(found.name) (\(found.id))")
        printTable(["DATE", "EVENT", "WHO", "TRUST", "RESPECT", "RELATIONSHIP", "NOTE", "ID"], rows.sorted { $0.0 < $1.0 }.map(\.1),
                   empty: "No assessments yet: `rapport assess \(found.id) --trust high --respect high`.")
    }

    private func printChanges(_ found: Account, _ changes: [RelationshipChange]) {
        func level(_ l: Level?) -> String { l.map { $0 == .high ? "High" : "Low" } ?? "—" }
        if options.json {
            printJSON(["accountID": found.id, "changes": changes.map { c -> [String: Any] in
                ["at": Format.time(c.at), "stakeholderID": c.stakeholderID ?? NSNull(), "name": c.name, "from": c.from?.rawValue ?? NSNull(),
                 "to": c.to.rawValue, "drop": c.isDrop, "assessment": c.assessmentID]
            }] as [String: Any])
            return
        }
        print("\(found.name) (\(found.id)): relationship changes")
        printTable(["DATE", "WHO", "FROM", "TO", "", "ASSESSMENT"], changes.map { c in
            [Format.day(c.at), c.name, level(c.from), level(c.to), c.isDrop ? "▼ High→Low" : "", c.assessmentID]
        }, empty: "No assessments yet: `rapport assess \(found.id) --trust high --respect high`.")
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
            if options.json { printJSON(["id": id, "resolvedAt": Format.time(crisis.resolvedAt!)]) } else { print("Crisis \(id) resolved; assess its people again (`rapport assess ACCOUNT --stakeholder NAME …`) to see whether each relationship held.") }
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String?

        func run() throws {
            let store = try options.openStore()
            let reports = try cli { try store.crisisReports(accountID: try account.map { try store.findAccount($0).id }) }
            if options.json {
                printJSON(reports.map { ["id": $0.crisis.id, "accountID": $0.crisis.accountID, "severity": $0.crisis.severity.rawValue,
                                          "startedAt": Format.time($0.crisis.startedAt), "resolvedAt": $0.crisis.resolvedAt.map(Format.time) ?? NSNull(),
                                          "summary": $0.crisis.summary,
                                          "outcome": $0.accountOutcome.verdict.label, "detail": outcomeJSON($0)] as [String: Any] })
                return
            }
            printTable(["ID", "ACCOUNT", "STARTED", "RESOLVED", "SEVERITY", "RELATIONSHIP", "SUMMARY"], reports.map { r in
                [r.crisis.id, r.crisis.accountID, Format.day(r.crisis.startedAt), Format.day(r.crisis.resolvedAt), r.crisis.severity.rawValue,
                 r.accountOutcome.verdict.label, r.crisis.summary]
            })
            // The outcome in full under the table, where no column width cuts off who dropped or
            // the command that settles an unknown outcome.
            if !reports.isEmpty { print("") }
            for report in reports { print("\(report.crisis.id): \(describeOutcome(report, account: report.crisis.accountID))") }
        }
    }
}

struct Attention: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts that need attention: Low relationships, relationships a crisis dropped, open crises, crises nobody re-assessed, renewals at risk, stale assessments.")

    @OptionGroup var options: ReplicaOptions
    @Option(parsing: .unconditional, help: "How many days without an assessment counts as stale.") var days = 30
    @Option(name: .customLong("renewal-days"), parsing: .unconditional, help: "Flag a Low relationship whose renewal is within this many days.") var renewalDays = 60

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days must be a positive number of days, e.g. --days 30") }
        guard renewalDays > 0 else { throw ValidationError("--renewal-days must be a positive number of days, e.g. --renewal-days 60") }
    }

    func run() throws {
        let store = try options.openStore()
        let items = try cli { try store.needingAttention(days: days, renewalDays: renewalDays) }
        if options.json {
            printJSON(items.map { ["id": $0.overview.account.id, "name": $0.overview.account.name, "reason": $0.reason.rawValue,
                                    "lastAssessedAt": $0.overview.lastAssessedAt.map(Format.time) ?? NSNull(),
                                    "reasons": $0.reasons.map(\.rawValue), "droppedRelationships": $0.droppedRelationships] as [String: Any] })
            return
        }
        printTable(["ACCOUNT", "ID", "WHY", "LAST ASSESSED"], items.map { item in
            [item.overview.account.name, item.overview.account.id, item.reasons.map { why($0, item) }.joined(separator: "; "), Format.day(item.overview.lastAssessedAt)]
        }, empty: "Every account has a recent High relationship and no crisis to follow up.")
    }

    private func why(_ reason: AttentionItem.Reason, _ item: AttentionItem) -> String {
        attentionText(reason, overview: item.overview, dropped: item.droppedRelationships, days: days)
    }
}

/// One attention reason in words, naming the people concerned.
func attentionText(_ reason: AttentionItem.Reason, overview: AccountOverview, dropped: [String], days: Int) -> String {
    switch reason {
    case .droppedInCrisis: "dropped through a crisis: \(dropped.joined(separator: ", "))"
    case .renewalAtRisk: "renews \(Format.day(overview.account.renewalDate)) with a Low relationship"
    case .lowRelationship: "relationship is Low (" + overview.relationships.lowRelationships.map(\.name).joined(separator: ", ") + ")"
    case .openCrisis: "open crisis"
    case .crisisNotReassessed: "crisis resolved, not re-assessed since"
    case .neverAssessed: "never assessed"
    case .notAssessedRecently: "not assessed in \(days) days"
    }
}

import ArgumentParser
import Foundation
import RapportModel
import RapportStore

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Add, edit, list, show, delete and restore customer accounts.",
        subcommands: [Add.self, Edit.self, List.self, Show.self, Delete.self, Restore.self], defaultSubcommand: List.self)

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The account's name.") var name: String
        @Option(help: "Segment, e.g. enterprise or smb.") var segment = ""
        @Option(parsing: .unconditional, help: "Annual recurring revenue, 0 to 1000000000000.") var arr: Double = 0
        @Option(help: "Renewal date (2026-11-23).") var renewal: String?
        @Option(help: "The CSM who owns it.") var owner = ""
        @Option(help: "An explicit id (default: a short random id such as acct-3f9a12bc; never derived from the name, which must not appear in logs).") var id: String?

        func run() throws {
            let account = Account(id: try id.map { try checkID($0) } ?? newID("acct"), name: try Name.check(name, what: "account name"),
                                  segment: try Name.check(segment, what: "segment", allowEmpty: true), arr: try Money.check(arr, option: "--arr"),
                                  renewalDate: try renewal.map { try parseDate($0, option: "--renewal", window: .planning) },
                                  owner: try Name.check(owner, what: "owner", allowEmpty: true))
            let store = try options.openStore()
            try cli { try store.accounts.create(account) }
            if options.json { printEncodable(account) } else { print("Added account \(account.name) (\(account.id))") }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change some fields of an account; only changed fields are synced.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String
        @Option var name: String?
        @Option var segment: String?
        @Option(parsing: .unconditional) var arr: Double?
        @Option(help: "Renewal date (2026-11-23), or 'none'.") var renewal: String?
        @Option var owner: String?

        func run() throws {
            let name = try self.name.map { try Name.check($0, what: "account name") }
            let segment = try self.segment.map { try Name.check($0, what: "segment", allowEmpty: true) }
            let owner = try self.owner.map { try Name.check($0, what: "owner", allowEmpty: true) }
            let arr = try self.arr.map { try Money.check($0, option: "--arr") }
            let renewalDate = try renewal.map { $0 == "none" ? nil : try parseDate($0, option: "--renewal", window: .planning) }
            let store = try options.openStore()
            let found = try store.findAccount(account)
            // Read-modify-write in one transaction: only the named fields are written, so a sync
            // running meanwhile (another process) keeps whatever it brought for the others.
            var edited = found
            let changed = try cli {
                try store.accounts.update(id: found.id) { stored in
                    if let name { stored.name = name }
                    if let segment { stored.segment = segment }
                    if let arr { stored.arr = arr }
                    if let renewalDate { stored.renewalDate = renewalDate }
                    if let owner { stored.owner = owner }
                    edited = stored
                }
            }
            if options.json { printJSON(["id": edited.id, "changed": changed]) } else {
                print(changed.isEmpty ? "Nothing changed." : "Updated \(edited.name): \(changed.joined(separator: ", "))")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts with their current relationship.")
        @OptionGroup var options: ReplicaOptions

        func run() throws {
            let store = try options.openStore()
            let overviews = try cli { try store.accountOverviews() }
            if options.json {
                printJSON(overviews.map { o -> [String: Any] in
                    ["id": o.account.id, "name": o.account.name, "segment": o.account.segment, "arr": o.account.arr, "owner": o.account.owner,
                     "relationship": o.relationship?.rawValue ?? NSNull(), "lastAssessedAt": o.lastAssessedAt.map(Format.time) ?? NSNull()]
                })
                return
            }
            printTable(["ID", "NAME", "SEGMENT", "ARR", "OWNER", "RELATIONSHIP", "ASSESSED"], overviews.map { o in
                [o.account.id, o.account.name, o.account.segment, Format.money(o.account.arr), o.account.owner,
                 o.relationship.map { $0 == .high ? "High" : "Low" } ?? "not assessed", Format.day(o.lastAssessedAt)]
            }, empty: "No accounts yet: `rapport account add NAME`.")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account with its people, relationship and crises.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String

        func run() throws {
            let store = try options.openStore()
            let found = try store.findAccount(account, includeDeleted: true)
            let deleted = try cli { try store.accounts.isDeleted(id: found.id) } ?? false
            let relationships = try cli { try store.relationships(accountID: found.id) }
            let crises = try cli { try store.crisisReports(accountID: found.id) }
            let basis = switch relationships.basis {
            case .keyStakeholders: "by key stakeholders"
            case .allAssessed: "by everyone assessed (no key stakeholder assessed)"
            case .notAssessed: "not assessed"
            }
            if options.json {
                printJSON(["id": found.id, "name": found.name, "segment": found.segment, "arr": found.arr, "owner": found.owner,
                           "renewalDate": found.renewalDate.map(Format.time) ?? NSNull(), "deleted": deleted,
                           "relationship": relationships.level?.rawValue ?? NSNull(), "relationshipBasis": relationships.basis.rawValue,
                           "lastAssessedAt": relationships.latestAssessment.map { Format.time($0.assessedAt) } ?? NSNull(),
                           "relationships": relationships.relationships.map { r -> [String: Any] in
                               ["stakeholderID": r.stakeholderID ?? NSNull(), "name": r.name, "role": r.stakeholder?.role ?? NSNull(), "key": r.isKey,
                                "relationship": r.level?.rawValue ?? NSNull(), "trust": r.latest?.trust.rawValue ?? NSNull(),
                                "respect": r.latest?.respect.rawValue ?? NSNull(), "assessedAt": r.latest.map { Format.time($0.assessedAt) } ?? NSNull(),
                                "counted": relationships.counted.contains(r)]
                           },
                           "stakeholders": relationships.relationships.compactMap(\.stakeholder).map { ["id": $0.id, "name": $0.name, "role": $0.role, "key": $0.isKey] as [String: Any] },
                           "crises": crises.map { ["id": $0.crisis.id, "outcome": $0.accountOutcome.verdict.label, "startedAt": Format.time($0.crisis.startedAt),
                                                   "severity": $0.crisis.severity.rawValue, "detail": outcomeJSON($0)] as [String: Any] }] as [String: Any])
                return
            }
            printPairs([
                ["account", "\(found.name) (\(found.id))\(deleted ? " — DELETED" : "")"],
                ["segment", found.segment], ["ARR", Format.money(found.arr)], ["owner", found.owner],
                ["renewal", Format.day(found.renewalDate)],
                ["relationship", relationships.level.map { "\($0 == .high ? "High" : "Low") (\(basis))" } ?? "not assessed"],
                ["crises", crises.isEmpty ? "—" : crises.map { "\(Format.day($0.crisis.startedAt)) \($0.crisis.severity.rawValue): \(describeOutcome($0, account: found.id))" }.joined(separator: "; ")],
            ])
            print("")
            printTable(["WHO", "ROLE", "KEY", "RELATIONSHIP", "TRUST", "RESPECT", "ASSESSED", "COUNTS"], relationships.relationships.map { r in
                [r.name, r.stakeholder?.role ?? "", r.isKey ? "key" : "", r.level.map { $0 == .high ? "High" : "Low" } ?? "not assessed",
                 r.latest?.trust.rawValue ?? "", r.latest?.respect.rawValue ?? "", Format.day(r.latest?.assessedAt),
                 relationships.counted.contains(r) ? "yes" : ""]
            }, empty: "No stakeholders: `rapport stakeholder add \(found.id) NAME --role ROLE --key`.")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account (a synced tombstone; `restore` undoes it).")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String

        func run() throws {
            let store = try options.openStore()
            let found = try store.findAccount(account)
            try cli { _ = try store.accounts.delete(id: found.id) }
            if options.json { printJSON(["id": found.id, "deleted": true]) } else { print("Deleted \(found.name) (\(found.id)); `rapport account restore \(found.id)` brings it back.") }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore a deleted account.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String

        func run() throws {
            let store = try options.openStore()
            let found = try store.findAccount(account, includeDeleted: true)
            let restored = try cli { try store.accounts.restore(id: found.id) }
            if options.json { printJSON(["id": found.id, "restored": restored]) } else { print(restored ? "Restored \(found.name)." : "\(found.name) was not deleted.") }
        }
    }
}

struct StakeholderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stakeholder", abstract: "People at an account: add, list, edit (role, name, key), remove and restore.",
        subcommands: [Add.self, List.self, Edit.self, Remove.self, Restore.self], defaultSubcommand: List.self)

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a person at an account; --key makes their relationship decide the account's.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String
        @Argument(help: "The person's name.") var name: String
        @Option(help: "Their role, e.g. 'VP Operations'.") var role = ""
        @Option var email: String?
        @Flag(help: "A key stakeholder: the account's relationship is derived from the key stakeholders.") var key = false

        func run() throws {
            let name = try Name.check(self.name, what: "stakeholder name")
            let role = try Name.check(self.role, what: "role", allowEmpty: true)
            let email = try self.email.map { try Name.check($0, what: "email", allowEmpty: true) }
            let store = try options.openStore()
            let found = try store.findAccount(account)
            let person = Stakeholder(id: newID("person"), accountID: found.id, name: name, role: role, email: email, isKey: key)
            try cli { try store.stakeholders.create(person) }
            if options.json { printEncodable(person) } else { print("Added \(name)\(key ? " (key)" : "") at \(found.name) (\(person.id))") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List people with their current relationship, optionally of one account.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Account id or name.") var account: String?

        func run() throws {
            let store = try options.openStore()
            let accountID = try account.map { try store.findAccount($0).id }
            let overviews = try cli { try store.accountOverviews() }.filter { accountID == nil || $0.account.id == accountID }
            let people = overviews.flatMap { o in o.relationships.relationships.filter { $0.stakeholder != nil }.map { (o.account, $0) } }
            if options.json {
                printJSON(people.map { account, r -> [String: Any] in
                    let p = r.stakeholder!
                    return ["id": p.id, "accountID": account.id, "name": p.name, "role": p.role, "email": p.email ?? NSNull(), "key": p.isKey,
                            "relationship": r.level?.rawValue ?? NSNull(), "assessedAt": r.latest.map { Format.time($0.assessedAt) } ?? NSNull()]
                })
                return
            }
            printTable(["ID", "NAME", "ROLE", "KEY", "ACCOUNT", "RELATIONSHIP", "ASSESSED"], people.map { account, r in
                [r.stakeholder!.id, r.name, r.stakeholder!.role, r.isKey ? "key" : "", account.name,
                 r.level.map { $0 == .high ? "High" : "Low" } ?? "not assessed", Format.day(r.latest?.assessedAt)]
            }, empty: "No stakeholders yet: `rapport stakeholder add ACCOUNT NAME --role ROLE`.")
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a person's name, role, email or whether they are key; only changed fields sync.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Stakeholder id or name.") var stakeholder: String
        @Option(help: "Account id or name, to pick the person by name at that account.") var account: String?
        @Option var name: String?
        @Option var role: String?
        @Option var email: String?
        @Option(help: "yes or no: whether the person is a key stakeholder.") var key: String?

        func run() throws {
            let keyValue: Bool? = try key.map { text in
                switch text.lowercased() {
                case "yes", "true", "y": return true
                case "no", "false", "n": return false
                default: throw CLIError("--key takes yes or no, not '\(text)'")
                }
            }
            let store = try options.openStore()
            let found = try account.map { try store.findStakeholder(stakeholder, of: try store.findAccount($0)) } ?? store.findStakeholder(stakeholder)
            var edited = found
            let changed = try cli {
                try store.stakeholders.update(id: found.id) { stored in
                    if let name { stored.name = name }
                    if let role { stored.role = role }
                    if let email { stored.email = email.isEmpty ? nil : email }
                    if let keyValue { stored.isKey = keyValue }
                    edited = stored
                }
            }
            if options.json { printJSON(["id": found.id, "changed": changed, "key": edited.isKey] as [String: Any]) } else {
                print(changed.isEmpty ? "Nothing changed." : "Updated \(edited.name) (\(edited.id)): \(changed.joined(separator: ", "))\(edited.isKey ? "; key stakeholder" : "")")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a person (a synced tombstone); their assessments stay in history but no longer count.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Stakeholder id or name.") var stakeholder: String
        @Option(help: "Account id or name, to pick the person by name at that account.") var account: String?

        func run() throws {
            let store = try options.openStore()
            let found = try account.map { try store.findStakeholder(stakeholder, of: try store.findAccount($0)) } ?? store.findStakeholder(stakeholder)
            try cli { _ = try store.stakeholders.delete(id: found.id) }
            let assessed = try cli { try store.history(accountID: found.accountID) }.filter { $0.stakeholderID == found.id }.count
            if options.json { printJSON(["id": found.id, "deleted": true, "assessmentsNoLongerCounted": assessed] as [String: Any]); return }
            print("Removed \(found.name) (\(found.id))\(assessed > 0 ? "; their \(assessed) assessment(s) stay in history but no longer count toward the account" : "")."
                  + " `rapport stakeholder restore \(found.id)` brings them back.")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore a removed person.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Stakeholder id.") var id: String

        func run() throws {
            let store = try options.openStore()
            guard let found = try cli({ try store.stakeholders.get(id: id, includeDeleted: true) }) else {
                throw CLIError("no stakeholder '\(id)': `rapport stakeholder list` shows ids")
            }
            let restored = try cli { try store.stakeholders.restore(id: id) }
            if options.json { printJSON(["id": id, "restored": restored]) } else { print(restored ? "Restored \(found.name)." : "\(found.name) was not removed.") }
        }
    }
}

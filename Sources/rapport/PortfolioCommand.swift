import ArgumentParser
import Foundation
import RapportModel
import RapportStore

struct PortfolioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio",
        abstract: "Your book of business: High and Low relationships, ARR at risk, and accounts in the order they need attention.",
        discussion: "ARR is at risk when the account's relationship is Low or a crisis dropped one of its relationships and it has not been High since.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "Only accounts of this owner (letter case ignored).") var owner: String?
    @Option(help: "Only accounts of this segment (letter case ignored).") var segment: String?
    @Option(help: "How many days without an assessment counts as stale.") var days = 30
    @Option(name: .customLong("renewal-days"), help: "Flag a Low relationship whose renewal is within this many days.") var renewalDays = 60

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days must be a positive number of days, e.g. --days 30") }
        guard renewalDays > 0 else { throw ValidationError("--renewal-days must be a positive number of days, e.g. --renewal-days 60") }
    }

    func run() throws {
        let store = try options.openStore()
        let portfolio = try cli { try store.portfolio(owner: owner, segment: segment, staleDays: days, renewalDays: renewalDays) }
        if options.json {
            printJSON([
                "owner": owner ?? NSNull(), "segment": segment ?? NSNull(),
                "accounts": ["high": portfolio.highAccounts, "low": portfolio.lowAccounts, "notAssessed": portfolio.unassessedAccounts],
                "relationships": ["high": portfolio.highRelationships, "low": portfolio.lowRelationships],
                "arr": portfolio.arr, "arrAtRisk": portfolio.arrAtRisk,
                "entries": portfolio.entries.map { e -> [String: Any] in
                    ["id": e.overview.account.id, "name": e.overview.account.name, "owner": e.overview.account.owner,
                     "segment": e.overview.account.segment, "arr": e.overview.account.arr, "atRisk": e.atRisk,
                     "relationship": e.overview.relationship?.rawValue ?? NSNull(), "reasons": e.reasons.map(\.rawValue),
                     "droppedRelationships": e.droppedRelationships,
                     "lastAssessedAt": e.overview.lastAssessedAt.map(Format.time) ?? NSNull()]
                },
            ] as [String: Any])
            return
        }
        let scope = [owner.map { "owner \($0)" }, segment.map { "segment \($0)" }].compactMap { $0 }.joined(separator: ", ")
        print("Portfolio\(scope.isEmpty ? "" : " (\(scope))"): \(portfolio.entries.count) accounts — "
              + "\(portfolio.highAccounts) High, \(portfolio.lowAccounts) Low, \(portfolio.unassessedAccounts) not assessed; "
              + "relationships with people: \(portfolio.highRelationships) High, \(portfolio.lowRelationships) Low")
        print("ARR \(Format.money(portfolio.arr)), at risk \(Format.money(portfolio.arrAtRisk))"
              + (portfolio.arr > 0 ? " (\(Format.number(portfolio.arrAtRisk / portfolio.arr * 100, digits: 0)) %)" : ""))
        print("")
        printTable(["ACCOUNT", "OWNER", "ARR", "RELATIONSHIP", "AT RISK", "WHY"], portfolio.entries.map { e in
            [e.overview.account.name, e.overview.account.owner, Format.money(e.overview.account.arr),
             e.overview.relationship.map { $0 == .high ? "High" : "Low" } ?? "not assessed", e.atRisk ? "yes" : "",
             e.reasons.map { attentionText($0, overview: e.overview, dropped: e.droppedRelationships, days: days) }.joined(separator: "; ")]
        }, empty: owner == nil && segment == nil ? "No accounts yet: `rapport account add NAME`." : "No accounts match.")
    }
}

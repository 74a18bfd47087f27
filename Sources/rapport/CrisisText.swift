import Foundation
import RapportModel
import RapportStore

/// What a person reads about a crisis's outcome: the verdict, who dropped, and for an unknown
/// outcome why it is unknown and what to do.
func describeOutcome(_ report: CrisisReport, account: String) -> String {
    let outcome = report.accountOutcome
    switch outcome.verdict {
    case .dropped:
        return "dropped: " + outcome.dropped.map(\.name).joined(separator: ", ")
    case .unknown:
        switch outcome.unknownReason {
        case .unresolved?:
            return "unknown: still open; `rapport crisis resolve \(report.crisis.id)` when it is over, then assess the people"
        case .noAssessmentBefore?:
            return "unknown: nobody was assessed before it started, so there is nothing to compare"
        default:
            let names = outcome.awaitingAssessment.map(\.name)
            let who = outcome.awaitingAssessment.first.flatMap { $0.stakeholderID.map { " --stakeholder \($0)" } } ?? ""
            return "unknown: no assessment of \(names.joined(separator: ", ")) since it was resolved on \(Format.day(report.crisis.resolvedAt)); "
                + "`rapport assess \(account)\(who) --trust … --respect …`"
        }
    default:
        return outcome.verdict.label
    }
}

/// The crisis outcome as JSON: verdict, reason, and each relationship's outcome.
func outcomeJSON(_ report: CrisisReport) -> [String: Any] {
    let outcome = report.accountOutcome
    return [
        "verdict": outcome.verdict.rawValue,
        "unknownReason": outcome.unknownReason?.rawValue ?? NSNull(),
        "dropped": outcome.dropped.map { $0.stakeholderID ?? NSNull() as Any },
        "awaitingAssessment": outcome.awaitingAssessment.map { $0.stakeholderID ?? NSNull() as Any },
        "relationships": outcome.entries.map { e -> [String: Any] in
            ["stakeholderID": e.stakeholderID ?? NSNull(), "name": e.name, "key": e.isKey, "outcome": e.outcome.verdict.rawValue,
             "unknownReason": e.outcome.unknownReason?.rawValue ?? NSNull()]
        },
    ]
}

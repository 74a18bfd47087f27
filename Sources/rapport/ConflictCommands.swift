import ArgumentParser
import Foundation
import RapportMerge
import RapportStore

/// Plain words for one conflict: "trust: laptop said low at 10:42, phone said high at 10:44 — phone wins, later edit".
func explain(_ entry: JournalEntry, names: [ReplicaID: String]) -> String {
    let c = entry.conflict
    func who(_ stamped: Stamped<FieldValue>) -> String { names[stamped.stamp.replica] ?? "replica \(stamped.stamp.replica)" }
    func said(_ stamped: Stamped<FieldValue>) -> String {
        "\(who(stamped)) said \(stamped.value) at \(Format.hourMinute(stamped.stamp.hlc.date))"
    }
    let (loser, winner) = (c.losingValue, c.winningValue)
    let why = switch c.reason {
    case .laterStamp: "later edit"
    case .tieBreak: "identical stamps, settled by value order"
    case .deleteWins: "a delete wins over an edit it had not seen; restore to bring the edit back"
    }
    if c.kind == .deleteVersusEdit {
        return "\(c.entity) \(c.id): deleted by \(who(c.local.value == .bool(true) ? c.local : c.remote)) while \(who(c.local.value == .bool(true) ? c.remote : c.local)) edited it — stays deleted (\(why))"
    }
    return "\(c.entity) \(c.id) \(c.field): \(said(loser)), \(said(winner)) — \(who(winner)) wins, \(why)"
}

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The conflict journal: every concurrent edit that was overwritten, and how to override it.",
        subcommands: [List.self, Resolve.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open conflicts (--all: resolved ones too).")
        @OptionGroup var options: ReplicaOptions
        @Flag(help: "Include resolved conflicts.") var all = false

        func run() throws {
            let store = try options.openStore()
            let info = try cli { try store.info() }
            let entries = try cli { try store.conflicts(includeResolved: all) }
            if options.json {
                printJSON(entries.map { e -> [String: Any] in
                    ["id": e.seq, "entity": e.conflict.entity, "record": e.conflict.id, "field": e.conflict.field, "kind": e.conflict.kind.rawValue,
                     "local": e.conflict.local.value.description, "localStamp": e.conflict.local.stamp.description,
                     "remote": e.conflict.remote.value.description, "remoteStamp": e.conflict.remote.stamp.description,
                     "winner": e.conflict.winner.rawValue, "reason": e.conflict.reason.rawValue, "resolution": e.resolution ?? NSNull()]
                })
                return
            }
            guard !entries.isEmpty else { print(all ? "The journal is empty." : "No open conflicts."); return }
            for entry in entries {
                print("#\(entry.seq) \(explain(entry, names: [info.replicaID: "this replica (\(info.name))"]))\(entry.resolution.map { " [\($0)]" } ?? "")")
            }
            if !all { print("Override one with: rapport conflicts resolve ID --take mine|theirs|VALUE") }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Settle a conflict: keep mine, take theirs, or set a value; it syncs as a new edit.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Conflict id (the # number).") var id: Int64
        @Option(help: "mine, theirs, or a value to set.") var take: String

        func run() throws {
            let store = try options.openStore()
            guard let journaled = try cli({ try store.conflicts(includeResolved: true) }).first(where: { $0.seq == id }) else {
                throw CLIError("no conflict #\(id): `rapport conflicts --all` lists them")
            }
            // A typed value takes the type of the values in conflict: "42" stays text in a note.
            let choice: ConflictChoice = switch (take, journaled.conflict.local.value) {
            case ("mine", _): .mine
            case ("theirs", _): .theirs
            case (_, .bool): take == "true" ? .value(.bool(true)) : take == "false" ? .value(.bool(false)) : .value(.string(take))
            case (_, .number): Double(take).map { .value(.number($0)) } ?? .value(.string(take))
            default: .value(.string(take))
            }
            let entry = try cli { try store.resolveConflict(id, choice: choice) }
            if options.json { printJSON(["id": id, "resolution": entry.resolution ?? ""]) } else {
                print("Conflict #\(id) resolved (\(entry.resolution ?? "")); it reaches other replicas on the next sync.")
            }
        }
    }
}

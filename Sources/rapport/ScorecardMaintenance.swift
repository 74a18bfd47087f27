import ArgumentParser
import Foundation
import RapportModel
import RapportStore

extension Store {
    /// Objective keys by id, to name objectives by key instead of opaque ids.
    func objectiveKeys() throws -> [String: String] {
        Dictionary(try cli { try objectives.list() }.map { ($0.id, $0.key.rawValue) }, uniquingKeysWith: { a, _ in a })
    }

    /// Finds a live weight set by its effective date (2026-07-01) or id.
    func findWeightSet(_ reference: String) throws -> WeightSet {
        let all = try cli { try distinct(WeightSet.self) }.records
        if let byID = all.first(where: { $0.id == reference }) { return byID }
        if let date = try? parseDate(reference, option: "weight set"), let byDate = all.first(where: { $0.effectiveFrom == date }) { return byDate }
        throw CLIError("no weight set from '\(reference)': `rapport weights list` shows their dates")
    }
}

extension ObjectiveCommand {
    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an objective's name, direction or target (re-add it to change its normaliser).")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Objective key (nps, grossChurn, custom:NAME) or id.") var objective: String
        @Option var name: String?
        @Option(help: "higher or lower: which direction is better.") var better: String?
        @Option(help: "A target value (informational), or 'none'.") var target: String?

        func run() throws {
            let direction: Direction? = try better.map { text in
                switch text {
                case "higher": return .higherIsBetter
                case "lower": return .lowerIsBetter
                default: throw CLIError("--better must be higher or lower, not '\(text)'")
                }
            }
            let newTarget: Double?? = try target.map { text in
                if text == "none" { return Double?.none }
                guard let value = Double(text), value.isFinite else { throw CLIError("--target takes a number or 'none', not '\(text)'") }
                return value
            }
            let store = try options.openStore()
            let found = try store.findObjective(objective)
            let changed = try cli {
                try store.objectives.update(id: found.id) { stored in
                    if let name { stored.name = name }
                    if let direction { stored.direction = direction }
                    if let newTarget { stored.target = newTarget }
                }
            }
            if options.json { printJSON(["key": found.key.rawValue, "changed": changed] as [String: Any]) } else {
                print(changed.isEmpty ? "Nothing changed." : "Updated objective \(found.key.rawValue): \(changed.joined(separator: ", "))")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an objective and its measurements; refused while a weight set weighs it.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Objective key or id.") var objective: String

        func run() throws {
            let store = try options.openStore()
            let found = try store.findObjective(objective)
            let removed = try cli { try store.removeObjective(id: found.id) }
            if options.json { printJSON(["key": found.key.rawValue, "deleted": true, "measurementsDeleted": removed] as [String: Any]) } else {
                print("Removed objective \(found.key.rawValue) (\(found.name))\(removed > 0 ? " and its \(removed) measurement(s)" : "").")
            }
        }
    }
}

extension WeightsCommand {
    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the reason of the weight set from a date (`weights set` with that date changes its weights).")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The set's effective date (2026-07-01) or id.") var set: String
        @Option(help: "Why the weights are what they are.") var reason: String

        func run() throws {
            let store = try options.openStore()
            let found = try store.findWeightSet(set)
            let changed = try cli { try store.weightSets.update(id: found.id) { $0.reason = reason } }
            if options.json { printJSON(["from": Format.time(found.effectiveFrom), "changed": changed] as [String: Any]) } else {
                print(changed.isEmpty ? "Nothing changed." : "Weights from \(Format.day(found.effectiveFrom)): reason is now '\(reason)'.")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the weight set from a date; the set before it then applies.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "The set's effective date (2026-07-01) or id.") var set: String

        func run() throws {
            let store = try options.openStore()
            let found = try store.findWeightSet(set)
            try cli { _ = try store.weightSets.delete(id: found.id) }
            if options.json { printJSON(["from": Format.time(found.effectiveFrom), "deleted": true] as [String: Any]) } else {
                print("Removed the weights from \(Format.day(found.effectiveFrom))\(found.reason.isEmpty ? "" : " (\(found.reason))").")
            }
        }
    }
}

struct MeasurementsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measurements", abstract: "List and remove measurements (`rapport measure` records or replaces one).",
        subcommands: [List.self, Remove.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Measurements by objective key and period, optionally of one objective or within one period.")
        @OptionGroup var options: ReplicaOptions
        @Option(help: "Objective key or id.") var objective: String?
        @Option(help: "Only periods within this one (2026 lists its quarters and months too).") var period: String?

        func run() throws {
            let within = try period.map { text in try cli { try Period(text) } }
            let store = try options.openStore()
            let only = try objective.map { try store.findObjective($0).id }
            let keys = try store.objectiveKeys()
            let rows = try cli { try store.distinct(RapportModel.Measurement.self) }.records
                .filter { m in (only == nil || m.objectiveID == only) && (within.map { $0.contains(m.period) } ?? true) }
                .sorted { (keys[$0.objectiveID] ?? $0.objectiveID, $0.period) < (keys[$1.objectiveID] ?? $1.objectiveID, $1.period) }
            if options.json {
                printJSON(rows.map { ["objective": keys[$0.objectiveID] ?? $0.objectiveID, "period": $0.period.description, "value": $0.value, "id": $0.id] as [String: Any] })
                return
            }
            printTable(["OBJECTIVE", "PERIOD", "VALUE"], rows.map { [keys[$0.objectiveID] ?? $0.objectiveID, $0.period.description, String($0.value)] },
                       empty: "No measurements: `rapport measure OBJECTIVE VALUE --period 2026-Q3`.")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an objective's measurement of a period.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Objective key or id.") var objective: String
        @Option(help: "Period: 2026, 2026-Q3 or 2026-11.") var period: String

        func run() throws {
            let parsed = try cli { try Period(period) }
            let store = try options.openStore()
            let found = try store.findObjective(objective)
            let matching = try cli { try store.measurements.list(where: "objectiveID", equals: .string(found.id)) }.filter { $0.period == parsed }
            guard !matching.isEmpty else {
                throw CLIError("\(found.key.rawValue) has no measurement for \(parsed): `rapport measurements list --objective \(found.key.rawValue)` shows its periods")
            }
            try cli { try store.batch { batch in for m in matching { _ = try batch.delete(RapportModel.Measurement.self, id: m.id) } } }
            if options.json { printJSON(["objective": found.key.rawValue, "period": parsed.description, "deleted": matching.count] as [String: Any]) } else {
                print("Removed \(found.key.rawValue) \(parsed) (\(matching.map { String($0.value) }.joined(separator: ", "))).")
            }
        }
    }
}

/// `--record OBJECTIVE --period P` for the kpi commands: keeps a computed KPI as a measurement.
struct RecordOptions: ParsableArguments {
    @Option(help: "Record the result as this objective's measurement (key or id); needs --period.") var record: String?
    @Option(help: "The period to record it for: 2026, 2026-Q3 or 2026-11.") var period: String?
    @Option(name: .long, help: "Replica database file (for --record and --start-from-arr); default $RAPPORT_DB, else ./rapport.db.") var db: String?

    func validate() throws {
        if record != nil, period == nil { throw ValidationError("--record needs --period, e.g. --record grossChurn --period 2026-Q3") }
        if record == nil, period != nil { throw ValidationError("--period goes with --record OBJECTIVE") }
    }

    /// Opens the replica the way ``ReplicaOptions/openStore()`` does.
    func openStore() throws -> Store {
        let path = db ?? ProcessInfo.processInfo.environment["RAPPORT_DB"] ?? "rapport.db"
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no replica at \(path): run `rapport init --db \(path)` first, or pass --db PATH")
        }
        return try cli { try Store.open(at: path) }
    }

    /// Records `value` (choosing among `values` by the objective's key when there are several) and
    /// returns the line to print and its JSON, or nil without --record.
    func recordIfAsked(_ values: [ObjectiveKey: Double], fallback: Double?) throws -> Recorded? {
        guard let record, let period else { return nil }
        let parsed = try cli { try Period(period) }
        let store = try openStore()
        let objective = try store.findObjective(record)
        guard let value = values[objective.key] ?? fallback else {
            throw CLIError("this KPI does not give \(objective.key.rawValue); record it into one of: \(values.keys.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        let result = try cli { try store.measurements.save(RapportModel.Measurement(objectiveID: objective.id, period: parsed, value: value)) }
        return Recorded(line: "Recorded \(objective.key.rawValue) \(parsed): \(value)\(result.previous.map { " (replaced \($0.value))" } ?? "")",
                        json: ["objective": objective.key.rawValue, "period": parsed.description, "value": value,
                               "replaced": result.previous?.value ?? NSNull()])
    }

    /// A KPI kept as a measurement.
    struct Recorded {
        let line: String
        let json: [String: Any]
    }
}

import ArgumentParser
import Foundation
import RapportModel
import RapportStore

struct ObjectiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objective", abstract: "Objectives of the balanced scorecard: add, list, edit, remove.",
        subcommands: [Add.self, List.self, Edit.self, Remove.self], defaultSubcommand: List.self)

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an objective: grossChurn, netChurn, revenue, customerROI, nps, csat, renewalRate or custom:NAME; a key that exists is refused (use edit).")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "Objective key.") var key: String
        @Option(help: "Display name (default: the key).") var name: String?
        @Option(help: "higher or lower: which direction is better.") var better: String = "higher"
        @Option(parsing: .unconditional, help: "Linear normaliser: raw bounds LOW:HIGH mapped to 0–100, e.g. -100:100.") var linear: String?
        @Option(parsing: .unconditional, help: "Bands normaliser: UPTO=SCORE,… ascending, e.g. 0.05=100,0.1=60,1=0.") var bands: String?
        @Option(parsing: .unconditional, help: "A target value (informational).") var target: Double?

        func run() throws {
            guard let objectiveKey = ObjectiveKey(rawValue: key) else {
                throw CLIError("unknown objective key '\(key)': use grossChurn, netChurn, revenue, customerROI, nps, csat, renewalRate or custom:NAME", code: .invalidInput)
            }
            guard let direction: Direction = better == "higher" ? .higherIsBetter : better == "lower" ? .lowerIsBetter : nil else {
                throw CLIError("--better must be higher or lower, not '\(better)'", code: .invalidInput)
            }
            if linear != nil, bands != nil {
                throw CLIError("give either --linear or --bands, not both: an objective has one normaliser", code: .invalidInput)
            }
            if let target, !target.isFinite { throw CLIError("--target must be a finite number", code: .invalidInput) }
            let name = try self.name.map { try Name.check($0, what: "objective name") }
            let normaliser: Normaliser
            if let linear {
                let parts = linear.split(separator: ":", omittingEmptySubsequences: false).compactMap { Double($0) }.filter(\.isFinite)
                guard parts.count == 2, linear.split(separator: ":", omittingEmptySubsequences: false).count == 2 else { throw CLIError("--linear takes LOW:HIGH, e.g. --linear 0:0.2", code: .invalidInput) }
                normaliser = .linear(lower: parts[0], upper: parts[1])
            } else if let bands {
                let pairs = bands.split(separator: ",").map { $0.split(separator: "=", omittingEmptySubsequences: false) }
                let parsed = pairs.map { $0.compactMap { Double($0) }.filter(\.isFinite) }
                guard !pairs.isEmpty, zip(pairs, parsed).allSatisfy({ $0.count == 2 && $1.count == 2 }) else { throw CLIError("--bands takes UPTO=SCORE,… e.g. --bands 0.05=100,0.1=60,1=0", code: .invalidInput) }
                normaliser = .bands(parsed.map { Normaliser.Band(upTo: $0[0], score: $0[1]) })
            } else {
                normaliser = .passthrough
            }
            try cli { try normaliser.validate() }
            let store = try options.openStore()
            if let existing = try cli({ try store.objective(key: objectiveKey) }) {
                throw CLIError("objective \(key) exists (\(existing.name)); `rapport objective edit \(key) --name … --better … --target …` changes it, `rapport objective remove \(key)` removes it")
            }
            // The id comes from the key, so the same objective added on two devices is one record;
            // adding a key whose objective was removed restores it.
            let objective = Objective(key: objectiveKey, name: name ?? key, direction: direction, target: target, normaliser: normaliser)
            let result = try cli { try store.objectives.save(objective) }
            if options.json { printEncodable(result.saved); return }
            print("\(result.outcome == .created ? "Added" : "Updated") objective \(result.saved.name) (\(result.saved.id))")
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        func run() throws {
            let store = try options.openStore()
            let objectives = try cli { try store.objectives.list() }
            if options.json { printEncodable(objectives); return }
            let measured = Dictionary(grouping: try cli { try store.distinct(RapportModel.Measurement.self) }.records, by: \.objectiveID)
            printTable(["KEY", "NAME", "BETTER", "NORMALISER", "TARGET", "MEASUREMENTS"], objectives.sorted { $0.key.rawValue < $1.key.rawValue }.map { o in
                let normaliser = switch o.normaliser {
                case .linear(let lower, let upper): "linear \(lower)…\(upper)"
                case .bands(let bands): "bands " + bands.map { "≤\($0.upTo)→\(Format.number($0.score, digits: 0))" }.joined(separator: " ")
                case .passthrough: "passthrough"
                }
                return [o.key.rawValue, o.name, o.direction == .higherIsBetter ? "higher" : "lower", normaliser,
                        o.target.map { String($0) } ?? "", String(measured[o.id]?.count ?? 0)]
            }, empty: "No objectives yet: `rapport objective add nps --linear=-100:100`.")
        }
    }
}

struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record an objective's raw value for a period (2026, 2026-Q3 or 2026-11), replacing the period's value if it has one.")

    @OptionGroup var options: ReplicaOptions
    @Argument(help: "Objective id or key.") var objective: String
    @Argument(help: "The raw value (e.g. 0.07 for 7 % churn, -20 for NPS); a finite number.") var value: SignedNumber
    @Option(help: "Period: 2026, 2026-Q3 or 2026-11 (2000 up to next year).") var period: String

    func run() throws {
        let value = self.value.value
        let parsed = try parsePeriod(period)
        let store = try options.openStore()
        let found = try store.findObjective(objective)
        // The id comes from objective and period, so the same period measured on two devices is one
        // record whose value conflicts, instead of two measurements the score cannot choose between.
        let result = try cli { try store.measurements.save(RapportModel.Measurement(objectiveID: found.id, period: parsed, value: value)) }
        if options.json { printEncodable(result.saved); return }
        let replaced = switch (result.outcome, result.previous) {
        case (.updated, let previous?): " (replaced \(previous.value))"
        case (.restored, _): " (restored)"
        default: ""
        }
        print("\(found.name) \(parsed): \(value)\(replaced)")
        if !result.retired.isEmpty { print("Deleted duplicate measurements \(result.retired.joined(separator: ", ")).") }
    }
}

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights", abstract: "Weigh objectives, and shift the weights over time: set, list, edit (reason), remove.",
        subcommands: [Set.self, List.self, Edit.self, Remove.self], defaultSubcommand: List.self)

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set weights from a date (replacing the set from that date, if any): rapport weights set nps=2 grossChurn=1 --from 2026-07-01 --reason 'service breakdown'.")
        @OptionGroup var options: ReplicaOptions
        @Argument(help: "OBJECTIVE=WEIGHT pairs (objective id or key).") var weights: [String]
        @Option(help: "Effective from this date.") var from: String
        @Option(help: "Why the weights are what they are.") var reason = ""

        func run() throws {
            let effectiveFrom = try parseDate(from, option: "--from", window: .planning)
            let keys = weights.map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0 }
            if let repeated = keys.first(where: { key in keys.filter { $0 == key }.count > 1 }) {
                throw CLIError("\(repeated) is weighted twice: give each objective one weight", code: .invalidInput)
            }
            let store = try options.openStore()
            var table: [String: Double] = [:]
            for pair in weights {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let weight = Double(parts[1]), weight.isFinite else {
                    throw CLIError("'\(pair)' is not OBJECTIVE=WEIGHT, e.g. nps=2", code: .invalidInput)
                }
                let objective = try store.findObjective(String(parts[0]))
                guard table[objective.id] == nil else {
                    throw CLIError("\(objective.key.rawValue) is weighted twice ('\(pair)'): give each objective one weight", code: .invalidInput)
                }
                table[objective.id] = weight
            }
            // The id comes from the date, so sets from one date made on two devices are one record;
            // setting weights from a date that has a set replaces it.
            let set = WeightSet(effectiveFrom: effectiveFrom, reason: reason, weights: table)
            // Validate against the other sets before writing, so a bad set never syncs.
            let others = try cli { try store.distinct(WeightSet.self) }.records.filter { $0.naturalID != set.naturalID }
            _ = try cli { try Scorecard(objectives: try store.objectives.list(), weightSets: others + [set]) }
            let result = try cli { try store.weightSets.save(set) }
            if options.json { printEncodable(result.saved); return }
            print("Weights from \(Format.day(set.effectiveFrom)) \(result.previous == nil ? "set" : "replaced") (\(result.saved.id)).")
            if !result.retired.isEmpty { print("Deleted duplicate weight sets \(result.retired.joined(separator: ", ")).") }
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var options: ReplicaOptions
        func run() throws {
            let store = try options.openStore()
            let sets = try cli { try store.weightSets.list() }.sorted { $0.effectiveFrom < $1.effectiveFrom }
            if options.json { printEncodable(sets); return }
            // Objectives by key, not by their ids.
            let keys = try store.objectiveKeys()
            printTable(["FROM", "WEIGHTS", "REASON"], sets.map { s in
                [Format.day(s.effectiveFrom), s.weights.map { (keys[$0.key] ?? $0.key, $0.value) }.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: " "), s.reason]
            }, empty: "No weight sets: `rapport weights set nps=2 grossChurn=1 --from 2026-01-01 --reason 'plan'`.")
        }
    }
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The overall score of a period, with coverage and each objective's contribution; or a trend across periods (--from P --to Q).",
        discussion: """
            A period is judged by the weight set in force at its start; a set effective mid-period judges the next period \
            (the trend marks both). With --roll-up, an objective not measured for the period itself takes the roll-up of its \
            months (a quarter) or quarters (a year): the mean for rates and scores, the last value for revenue.
            """)

    @OptionGroup var options: ReplicaOptions
    @Option(help: "Period: 2026, 2026-Q3 or 2026-11.") var period: String?
    @Option(help: "First period of a trend (same kind as --to).") var from: String?
    @Option(help: "Last period of a trend.") var to: String?
    @Flag(name: .customLong("roll-up"), help: "Fill an objective not measured for a period from its months or quarters.") var rollUp = false

    func validate() throws {
        switch (period, from, to) {
        case (_?, nil, nil), (nil, _?, _?): break
        case (_?, _, _): throw ValidationError("give either --period P or --from P --to Q, not both")
        default: throw ValidationError("give --period P (e.g. 2026-Q3), or --from P --to Q for a trend (e.g. --from 2026-01 --to 2026-12)")
        }
    }

    func run() throws {
        let store = try options.openStore()
        if let from, let to { return try trend(store, from: try cli { try Period(from) }, to: try cli { try Period(to) }) }
        let parsed = try cli { try Period(period ?? "") }
        let (report, rolled) = try cli { try store.scorecard(for: parsed, rollingUp: rollUp) }
        try warnAboutDuplicates(store, period: parsed)
        if options.json { printEncodable(report); return }
        let set = try cli { try store.weightSets.get(id: report.weightSetID) }
        print("Score for \(parsed): \(Format.number(report.overall)) / 100, coverage \(Format.number(report.coverage * 100, digits: 0)) % "
              + "(weights from \(Format.day(set?.effectiveFrom))\(set.map { $0.reason.isEmpty ? "" : ": \($0.reason)" } ?? ""))")
        printTable(["OBJECTIVE", "RAW", "SCORE", "WEIGHT", "CONTRIBUTION"], report.lines.map { line in
            [line.objectiveName, line.raw.map { rolled.contains(line.objectiveID) ? "\(($0 * 1e6).rounded() / 1e6) (rolled up)" : String($0) } ?? "no measurement",
             Format.number(line.score), Format.number(line.weight, digits: 2), Format.number(line.contribution)]
        })
    }

    private func trend(_ store: Store, from: Period, to: Period) throws {
        let points = try cli { try store.scoreTrend(from: from, through: to, rollingUp: rollUp) }
        if options.json {
            printJSON(points.map { p -> [String: Any] in
                ["period": p.period.description, "overall": p.report?.overall ?? NSNull(), "coverage": p.report?.coverage ?? NSNull(),
                 "problem": p.problem ?? NSNull(), "weightSet": p.weightSet?.id ?? NSNull(),
                 "weightSetFrom": p.weightSet.map { Format.time($0.effectiveFrom) } ?? NSNull(),
                 "weightSetReason": p.weightSet?.reason ?? NSNull(), "weightSetChanged": p.weightSetChanged,
                 "setsTakingEffectWithin": p.setsTakingEffectWithin.map(\.id), "rolledUp": p.rolledUp]
            })
            return
        }
        printTable(["PERIOD", "SCORE", "COVERAGE", "WEIGHTS", "NOTE"], points.map { p in
            var notes: [String] = []
            if p.weightSetChanged, let set = p.weightSet { notes.append("◆ weights changed\(set.reason.isEmpty ? "" : ": \(set.reason)")") }
            for set in p.setsTakingEffectWithin { notes.append("weights from \(Format.day(set.effectiveFrom)) judge the next period") }
            if !p.rolledUp.isEmpty { notes.append("\(p.rolledUp.count) rolled up") }
            if let problem = p.problem { notes.append(problem) }
            return [p.period.description, Format.number(p.report?.overall), p.report.map { Format.number($0.coverage * 100, digits: 0) + " %" } ?? "—",
                    p.weightSet.map { "from \(Format.day($0.effectiveFrom))" } ?? "none", notes.joined(separator: "; ")]
        })
    }
}

/// Tells the user, on stderr, which duplicate records (from before natural ids) the score left out
/// and the command that keeps one.
private func warnAboutDuplicates(_ store: Store, period: Period) throws {
    var lines: [String] = []
    for group in try cli({ try store.distinct(WeightSet.self) }).duplicates {
        let day = Format.day(group.kept.effectiveFrom)
        lines.append("Warning: \(group.others.count + 1) weight sets take effect at \(day) (\(([group.kept] + group.others).map(\.id).joined(separator: ", "))); "
            + "using \(group.kept.id), the one written last. `rapport weights set OBJECTIVE=WEIGHT… --from \(day)` keeps one and deletes the others.")
    }
    for group in try cli({ try store.distinct(RapportModel.Measurement.self, where: "period", equals: .string(period.description)) }).duplicates {
        lines.append("Warning: objective \(group.kept.objectiveID) has \(group.others.count + 1) measurements for \(period) (\(([group.kept] + group.others).map(\.id).joined(separator: ", "))); "
            + "using \(group.kept.id) (\(group.kept.value)), the one written last. `rapport measure \(group.kept.objectiveID) VALUE --period \(period)` keeps one and deletes the others.")
    }
    for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}

struct KPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpi", abstract: "KPI formulas from raw inputs: retention and churn, logo churn, NPS, CSAT.",
        subcommands: [Retention.self, LogoChurn.self, NPS.self, CSAT.self])

    struct Retention: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "GRR, NRR, gross and net revenue churn from starting revenue S, contraction D, churned C, expansion E.")
        @Option(parsing: .unconditional, help: "Starting recurring revenue S (or --start-from-arr).") var start: Double?
        @Option(parsing: .unconditional, help: "Downgrades D.") var contraction: Double = 0
        @Option(parsing: .unconditional, help: "Churned revenue C.") var churned: Double = 0
        @Option(parsing: .unconditional, help: "Expansion E.") var expansion: Double = 0
        @Flag(name: .customLong("start-from-arr"), help: "S is the ARR of the replica's live accounts (optionally of --owner / --segment).") var startFromARR = false
        @Option(help: "With --start-from-arr: only this owner's accounts.") var owner: String?
        @Option(help: "With --start-from-arr: only this segment's accounts.") var segment: String?
        @OptionGroup var recording: RecordOptions
        @Flag var json = false

        func validate() throws {
            guard (start == nil) == startFromARR else { throw ValidationError("give --start S or --start-from-arr (not both), e.g. --start 100000") }
            if !startFromARR, owner != nil || segment != nil { throw ValidationError("--owner and --segment go with --start-from-arr") }
        }

        func run() throws {
            let start = try start ?? {
                let portfolio = try cli { try recording.openStore().portfolio(owner: owner, segment: segment) }
                return portfolio.arr
            }()
            let grr = try cli { try KPI.grossRevenueRetention(starting: start, contraction: contraction, churned: churned) }
            let nrr = try cli { try KPI.netRevenueRetention(starting: start, contraction: contraction, churned: churned, expansion: expansion) }
            let gross = try cli { try KPI.grossRevenueChurn(starting: start, contraction: contraction, churned: churned) }
            let net = try cli { try KPI.netRevenueChurn(starting: start, contraction: contraction, churned: churned, expansion: expansion) }
            let recorded = try recording.recordIfAsked([.grossChurn: gross, .netChurn: net, .renewalRate: grr], fallback: nil)
            if json { printJSON(["start": start, "grr": grr, "nrr": nrr, "grossRevenueChurn": gross, "netRevenueChurn": net, "recorded": recorded?.json ?? NSNull()] as [String: Any]); return }
            if startFromARR { print("Starting revenue S = \(Format.money(start)) (ARR of the accounts)") }
            printTable(["KPI", "VALUE"], [["GRR", pct(grr)], ["NRR", pct(nrr)], ["gross revenue churn", pct(gross)], ["net revenue churn", pct(net)]])
            if let recorded { print(recorded.line) }
        }
    }

    struct LogoChurn: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logo-churn", abstract: "Customers of the starting cohort lost / customers at start.")
        @Option(parsing: .unconditional, help: "Customers at the start.") var start: Double
        @Option(parsing: .unconditional, help: "Customers of that cohort lost.") var lost: Double
        @OptionGroup var recording: RecordOptions
        @Flag var json = false
        func run() throws {
            let value = try cli { try KPI.logoChurn(customersAtStart: start, lostFromStartingCohort: lost) }
            let recorded = try recording.recordIfAsked([:], fallback: value)
            if json { printJSON(["logoChurn": value, "recorded": recorded?.json ?? NSNull()] as [String: Any]) } else { print("logo churn \(pct(value))"); if let recorded { print(recorded.line) } }
        }
    }

    struct NPS: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "nps", abstract: "Net Promoter Score from 0–10 answers.")
        @Argument(help: "Scores 0–10.") var scores: [Int]
        @OptionGroup var recording: RecordOptions
        @Flag var json = false
        func run() throws {
            let value = try cli { try KPI.nps(scores: scores) }
            let recorded = try recording.recordIfAsked([:], fallback: value)
            if json { printJSON(["nps": value, "recorded": recorded?.json ?? NSNull()] as [String: Any]) } else { print("NPS \(Format.number(value))"); if let recorded { print(recorded.line) } }
        }
    }

    struct CSAT: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "csat", abstract: "Share of 4–5 answers on a 1–5 scale.")
        @Argument(help: "Ratings 1–5.") var ratings: [Int]
        @OptionGroup var recording: RecordOptions
        @Flag var json = false
        func run() throws {
            let value = try cli { try KPI.csat(ratings: ratings) }
            // A share, recorded and printed in JSON as a fraction like every other share.
            let recorded = try recording.recordIfAsked([:], fallback: value / 100)
            if json { printJSON(["csat": value / 100, "recorded": recorded?.json ?? NSNull()] as [String: Any]) } else { print("CSAT \(Format.number(value)) %"); if let recorded { print(recorded.line) } }
        }
    }
}

func pct(_ fraction: Double) -> String { Format.number(fraction * 100) + " %" }

import ArgumentParser
import Foundation
import RapportSimulation

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Conflict-resolution testing at scale: random edits on N replicas, faulty syncs, then a convergence check.",
        discussion: "Exits non-zero with the seed and the first difference if any replica diverges or a write is lost unaccounted for.")

    @Option(help: "Number of replicas (2–50).") var replicas = 3
    @Option(help: "Number of operations (edits and partial syncs).") var ops = 1_000
    @Option(help: "Random seed; the same seed replays the same schedule.") var seed: UInt64 = 1
    @Option(help: "Number of consecutive seeds to run, starting at --seed.") var schedules = 1
    @Option(help: "Chance a push or page is lost (0–1).") var drop = 0.1
    @Option(help: "Chance a push or page is delivered twice (0–1).") var duplicate = 0.1
    @Option(help: "Clock skew bound per replica, in milliseconds.") var skewMs: Int64 = 3_600_000
    @Option(help: "Chance of a crash between a server answer and its acknowledgement (0–1).") var crash = 0.05
    @Flag(help: "Restore one replica from an old copy of its file part-way through.") var restoreBackup = false
    @Flag(help: "Restore the server from an old copy of its database part-way through.") var restoreServer = false
    @Flag(help: "Vary the shape by seed as CI does (2–6 replicas, 40–100 ops, a replica restored from backup every 4th seed, the server every 4th seed from 2); --replicas, --ops, --restore-backup and --restore-server are then ignored.") var mixed = false
    @Option(help: "Push batches in flight at once in each sync (1–8); 1 makes a replay exact even on a loaded machine.") var pipelineDepth = 3
    @Flag(help: "Print JSON.") var json = false
    @Option(help: ArgumentHelp("Run the server on this PostgreSQL database (a throwaway schema per schedule) instead of a SQLite file.",
                               valueName: "url")) var postgres: String?

    func validate() throws {
        guard (2...50).contains(replicas) else { throw ValidationError("--replicas must be between 2 and 50") }
        guard ops > 0, schedules > 0 else { throw ValidationError("--ops and --schedules must be positive") }
        for (name, p) in [("--drop", drop), ("--duplicate", duplicate), ("--crash", crash)] where !(0...1).contains(p) {
            throw ValidationError("\(name) is a probability between 0 and 1, e.g. \(name) 0.1")
        }
        guard (1...8).contains(pipelineDepth) else { throw ValidationError("--pipeline-depth must be between 1 and 8, e.g. --pipeline-depth 1 for an exact replay") }
        guard skewMs >= 0, skewMs < 86_400_000 else { throw ValidationError("--skew-ms must be between 0 and 86399999 (the server refuses stamps over 24 h ahead)") }
    }

    func run() async throws {
        var totals = SimulationReport()
        var failed: [SimulationReport] = []
        let started = Date()
        for offset in 0..<UInt64(schedules) {
            var options = SimulationOptions()
            options.replicas = replicas
            options.ops = ops
            options.restoreFromBackup = restoreBackup
            options.restoreServer = restoreServer
            if mixed { options = .mixed(seed: seed + offset) }
            options.seed = seed + offset
            options.drop = drop
            options.duplicate = duplicate
            options.skewMillis = skewMs
            options.crash = crash
            options.postgresURL = postgres
            options.pipelineDepth = pipelineDepth
            let report: SimulationReport
            do { report = try await Simulation(options: options).run() } catch { throw describe(error) }
            totals.ops += report.ops; totals.writes += report.writes; totals.syncs += report.syncs
            totals.dropped += report.dropped; totals.duplicated += report.duplicated; totals.crashes += report.crashes
            totals.reordered += report.reordered
            totals.restores += report.restores; totals.records += report.records
            totals.serverRestores += report.serverRestores; totals.fullResyncs += report.fullResyncs
            totals.clockJumps += report.clockJumps; totals.clockRecoveries += report.clockRecoveries
            totals.resolutions += report.resolutions; totals.refusedResolutions += report.refusedResolutions
            for (kind, n) in report.conflicts { totals.conflicts[kind, default: 0] += n }
            if !report.passed {
                failed.append(report)
                // Said at once, so a long run names every failing seed, not only the first.
                FileHandle.standardError.write(Data("seed \(report.seed) failed: \(report.divergence ?? "") \(report.lostWrites.joined(separator: "; "))\n".utf8))
            }
            if schedules > 1 && (offset + 1) % 100 == 0 && !json {
                FileHandle.standardError.write(Data("\(offset + 1)/\(schedules) schedules, \(failed.count) failed\n".utf8))
            }
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            printJSON(["seed": seed, "schedules": schedules, "ops": totals.ops, "writes": totals.writes, "syncs": totals.syncs,
                       "dropped": totals.dropped, "duplicated": totals.duplicated, "reordered": totals.reordered, "crashes": totals.crashes, "restores": totals.restores, "serverRestores": totals.serverRestores, "fullResyncs": totals.fullResyncs,
                       "clockJumps": totals.clockJumps, "clockRecoveries": totals.clockRecoveries, "resolutions": totals.resolutions,
                       "refusedResolutions": totals.refusedResolutions,
                       "conflicts": totals.conflicts, "failed": failed.map(\.seed), "seconds": seconds] as [String: Any])
        } else {
            print("seed \(seed)\(schedules > 1 ? "…\(seed + UInt64(schedules) - 1)" : ""): \(schedules) schedule(s), \(mixed ? "2–6" : "\(replicas)") replicas, \(totals.ops) ops (\(totals.writes) field writes), \(totals.syncs) syncs")
            print("faults: \(totals.dropped) dropped, \(totals.duplicated) duplicated, \(totals.reordered) reordered, \(totals.crashes) crashes, \(totals.restores) replicas and \(totals.serverRestores) servers restored from backup (\(totals.fullResyncs) full resyncs), \(totals.clockJumps) edits under a clock 72 h ahead (\(totals.clockRecoveries) healed)")
            print("people: \(totals.resolutions) conflicts resolved on a random replica, \(totals.refusedResolutions) refused as superseded")
            print("conflicts journaled: \(totals.conflicts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ").nonEmpty ?? "none")")
            print(failed.isEmpty ? "converged: every replica equals the server, no write lost (\(String(format: "%.1f", seconds)) s)" : "FAILED: \(failed.count) schedule(s)")
        }
        if let first = failed.first {
            throw CLIError("diverged with seed \(first.seed): \(first.divergence ?? "") \(first.lostWrites.joined(separator: "; ")) — replay with `rapport simulate --seed \(first.seed) \(mixed ? "--mixed" : "--replicas \(replicas) --ops \(ops)\(restoreBackup ? " --restore-backup" : "")\(restoreServer ? " --restore-server" : "")")`")
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

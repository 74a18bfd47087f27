import Foundation
import Testing
import RapportSimulation

/// Random schedules end to end: replicas, an in-process server, faults; every one must converge
/// with no write lost unaccounted for. `RAPPORT_SIM_SCHEDULES` sets how many (CI default below);
/// each failure names its seed, and `rapport simulate --seed S …` replays it.
@Suite("Convergence under faults")
struct SimulationTests {
    static let schedules = Int(ProcessInfo.processInfo.environment["RAPPORT_SIM_SCHEDULES"] ?? "") ?? 1_000
    static let firstSeed = UInt64(ProcessInfo.processInfo.environment["RAPPORT_SIM_FIRST_SEED"] ?? "") ?? 1

    @Test("random schedules with lost, duplicated and reordered deliveries, skewed clocks, crashes and a restored backup all converge without losing writes")
    func randomSchedulesConverge() async throws {
        var failures: [String] = []
        for seed in Self.firstSeed..<(Self.firstSeed + UInt64(Self.schedules)) {
            let report = try await Simulation(options: .mixed(seed: seed)).run()
            if !report.passed {
                failures.append("seed \(seed): \(report.divergence ?? "") \(report.lostWrites.joined(separator: "; "))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(Self.schedules) schedules failed:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    @Test("a schedule with concurrent edits journals conflicts, and the same seed gives the same counts")
    func conflictsAreJournaledAndSeedsReplay() async throws {
        var options = SimulationOptions()
        options.seed = 42
        options.replicas = 4
        options.ops = 400
        options.skewMillis = 0
        let first = try await Simulation(options: options).run()
        let second = try await Simulation(options: options).run()
        #expect(first.passed, "seed 42: \(first.divergence ?? "") \(first.lostWrites)")
        #expect((first.conflicts["field"] ?? 0) > 0, "400 ops on 4 replicas should produce concurrent edits")
        #expect(first.conflicts == second.conflicts && first.writes == second.writes && first.syncs == second.syncs)
    }
}

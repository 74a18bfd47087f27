import Foundation
import RapportClient

/// The knobs of one simulated schedule. Everything random comes from `seed`, and device clocks
/// read simulated time, so a seed replays the same schedule (replica ids, epochs and commit tags
/// are still random, which changes only tie-breaks between equal stamps), as long as pushes are
/// not pipelined (`pipelineDepth` 1): pipelined batches race to the server, and on a loaded
/// machine they can arrive in another order in a replay.
public struct SimulationOptions: Sendable, Hashable {
    public var replicas = 3
    public var ops = 1_000
    public var seed: UInt64 = 1
    /// Chance that a push or a pulled page is lost in transit (a lost push may still have reached the server).
    public var drop = 0.1
    /// Chance that a push or a pulled page is delivered twice.
    public var duplicate = 0.1
    /// Each replica's wall clock is offset by a random amount in ±skewMillis.
    public var skewMillis: Int64 = 3_600_000
    /// Chance that a replica "crashes" during a sync: between the server's answer and the acknowledgement, then restarts from its file.
    public var crash = 0.05
    /// Restore one replica from an old copy of its database file part-way through.
    public var restoreFromBackup = false
    /// Restore the server from an old copy of its database part-way through: by copying the file
    /// back while it is stopped (every 8th seed from 2) or with `rapport server restore` (the others).
    public var restoreServer = false
    /// Where replica files go (a fresh temporary folder when nil; removed afterwards).
    public var directory: URL?
    /// Run the server on this PostgreSQL database (a fresh schema per schedule, dropped after)
    /// instead of a SQLite file. A server restore then drops the schema and imports a dump taken
    /// earlier (`rapport server export`/`import`): the same epoch with a shorter history, as a
    /// database restored from last night's backup.
    public var postgresURL: String?
    /// Push batches in flight at once in each sync (`SyncOptions.pipelineDepth`); 1 for exact replays.
    public var pipelineDepth = SyncOptions().pipelineDepth

    public init() {}

    /// The schedule shape CI and `rapport simulate --mixed` use for `seed`: 2–6 replicas,
    /// 40–100 operations, a replica restored from an old copy of its file in every 4th seed, and
    /// the server restored from an old copy of its database in every 4th seed from 2.
    public static func mixed(seed: UInt64) -> SimulationOptions {
        var options = SimulationOptions()
        options.seed = seed
        options.replicas = 2 + Int(seed % 5)
        options.ops = 40 + Int(seed % 7) * 10
        options.restoreFromBackup = seed % 4 == 0
        options.restoreServer = seed % 4 == 2
        return options
    }
}

import Foundation

/// What a simulated schedule did and whether every check held.
public struct SimulationReport: Sendable, Hashable {
    public var seed: UInt64 = 0
    public var ops = 0
    public var writes = 0
    public var syncs = 0
    public var dropped = 0
    public var duplicated = 0
    public var reordered = 0
    public var crashes = 0
    public var restores = 0
    /// Server databases restored from an old copy, and full resyncs the clients ran.
    public var serverRestores = 0
    public var fullResyncs = 0
    public var rejected = 0
    /// Edits made while a device clock ran 72 h ahead, and how many of those replicas healed.
    public var clockJumps = 0
    public var clockRecoveries = 0
    /// Conflicts settled by a person on a random replica, and resolutions refused as superseded.
    public var resolutions = 0
    public var refusedResolutions = 0
    /// Journaled conflicts by kind (`field`, `deleteVersusEdit`).
    public var conflicts: [String: Int] = [:]
    /// Empty when every replica equals the server; else the first difference, in words.
    public var divergence: String?
    /// Writes that vanished without being replaced by a later write, or without a journal entry
    /// when replaced concurrently (descriptions of the first few).
    public var lostWrites: [String] = []
    public var records = 0
    public var seconds = 0.0

    public var passed: Bool { divergence == nil && lostWrites.isEmpty }

    public init() {}
}

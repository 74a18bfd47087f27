import Foundation
import RapportClient
import RapportModel
import RapportStore

/// A temporary folder of replicas, removed when the test's suite instance goes away.
final class Replicas: @unchecked Sendable {
    let directory: URL

    init(_ label: String = "RapportClientTests") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func make(_ name: String, wallClock: WallClock = .system) throws -> Store {
        try Store.create(at: directory.appendingPathComponent("\(name).rapport").path, name: name, wallClock: wallClock)
    }

    func reopen(_ name: String) throws -> Store {
        try Store.open(at: directory.appendingPathComponent("\(name).rapport").path)
    }
}

/// Retries fast enough for a test suite but otherwise exactly as in production.
let quickRetry = RetryPolicy(attempts: 5, baseDelay: 0.001, maxDelay: 0.01)

func session(_ store: Store, _ transport: any Transport, workspace: String = "team", _ options: SyncOptions = SyncOptions(retry: quickRetry),
             progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }) -> SyncSession {
    SyncSession(store: store, transport: transport, workspace: workspace, options: options, progress: progress)
}

func accounts(_ count: Int, prefix: String = "acct", note: String = "") -> [Account] {
    (0..<count).map { Account(id: "\(prefix)-\(String(format: "%04d", $0))", name: "Customer \($0)\(note)", segment: "smb", arr: Double($0), owner: "kim") }
}

/// Collects progress reports from the sync's task.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [SyncProgress] = []

    func record(_ progress: SyncProgress) {
        lock.lock()
        defer { lock.unlock() }
        entries.append(progress)
    }

    var all: [SyncProgress] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
}

/// Polls `condition` every 10 ms until it holds (true) or the wait has run out (false).
///
/// The wait runs out only once `seconds` have passed *and* it has polled `seconds / 10 ms` times.
/// Wall time alone is not enough on a loaded machine: while other tests hold every thread of the
/// cooperative pool (one per core, two here), neither this loop nor the work it waits for runs,
/// and a deadline could pass without either having had a turn.
func eventually(seconds: Double = 30, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    let pollsNeeded = Int(seconds * 100)
    var polls = 0
    while Date() < deadline || polls < pollsNeeded {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
        polls += 1
    }
    return try condition()
}

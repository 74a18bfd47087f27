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

import Foundation
import Testing
@testable import RapportStore

/// Durability under `kill -9`: a child process writes in a loop and reports each commit; it is
/// killed at a random instant, and the file must hold every reported transaction, whole, and
/// nothing partial. `RAPPORT_CRASH_TRIALS` raises the trial count (default 4 per mode in CI).
@Suite("Crash safety", .serialized)
struct CrashTests {
    static let trials = Int(ProcessInfo.processInfo.environment["RAPPORT_CRASH_TRIALS"] ?? "") ?? 4
    static let seed = UInt64(ProcessInfo.processInfo.environment["RAPPORT_CRASH_SEED"] ?? "") ?? 20_261_123

    @Test("a process killed in the middle of batch writes keeps every committed batch whole and no partial one")
    func killDuringBatchWrites() throws {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<Self.trials {
            try withTemporaryPath { path in
                let batchSize = 200
                let committed = try runAndKill(mode: "batch", path: path, size: batchSize, afterCommits: 1 + trial % 3,
                                               extraDelay: .milliseconds(Int.random(in: 0...40, using: &rng)))
                let store = try Store.open(at: path)
                let accounts = try store.accounts.list()
                #expect(try integrity(path) == "ok", "trial \(trial)")
                #expect(accounts.count % batchSize == 0, "trial \(trial): \(accounts.count) accounts is not whole batches")
                let batches = Set(accounts.map { $0.id.split(separator: "-")[0] })
                #expect(accounts.count / batchSize == batches.count, "trial \(trial)")
                for batch in 0...committed { #expect(batches.contains("b\(batch)"), "trial \(trial): acknowledged batch \(batch) lost") }
                // Every stored record is queued for push exactly once: the outbox committed with it.
                #expect(try store.info().pendingChanges == accounts.count, "trial \(trial)")
                // And the replica keeps working after the crash.
                try store.accounts.create(.init(id: "after-crash", name: "After"))
            }
        }
    }

    @Test("a process killed in the middle of applying pulled pages never moves the cursor without the data")
    func killDuringApply() throws {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<Self.trials {
            try withTemporaryPath { path in
                let pageSize = 300
                let committed = try runAndKill(mode: "apply", path: path, size: pageSize, afterCommits: 1 + trial % 3,
                                               extraDelay: .milliseconds(Int.random(in: 0...40, using: &rng)))
                let store = try Store.open(at: path)
                #expect(try integrity(path) == "ok", "trial \(trial)")
                let cursor = try store.info().cursor
                let page = try #require(Int(cursor.dropFirst("page-".count)), "trial \(trial): cursor \(cursor)")
                #expect(page >= committed, "trial \(trial): acknowledged page \(committed) lost")
                #expect(try store.accounts.list().count == (page + 1) * pageSize, "trial \(trial): cursor \(cursor) disagrees with the data")
            }
        }
    }

    /// Starts the child, waits for `afterCommits` reported commits plus `extraDelay`, kills it with
    /// SIGKILL and returns the last commit number it reported.
    private func runAndKill(mode: String, path: String, size: Int, afterCommits: Int, extraDelay: Duration) throws -> Int {
        let process = Process()
        process.executableURL = try childExecutable()
        process.arguments = [mode, path, String(size)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var seen = ""
        var commits: [Int] = []
        while commits.count < afterCommits {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += String(decoding: chunk, as: UTF8.self)
            commits = seen.split(separator: "\n").compactMap { $0.hasPrefix("committed ") ? Int($0.dropFirst(10)) : nil }
        }
        Thread.sleep(forTimeInterval: Double(extraDelay.components.attoseconds) / 1e18)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the child must die by the signal, not finish")
        // Lines written before the kill are commits too.
        seen += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        commits = seen.split(separator: "\n").compactMap { $0.hasPrefix("committed ") ? Int($0.dropFirst(10)) : nil }
        return try #require(commits.last, "child reported no commit: \(seen)")
    }

    private func childExecutable() throws -> URL {
        // Test bundles and executables share the build products folder.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("rapport-crashtest")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        let fallback = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rapport-crashtest")
        guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
            throw StoreError(code: .fileNotFound, message: "rapport-crashtest not built next to the tests (\(CommandLine.arguments[0]))")
        }
        return fallback
    }

    private func integrity(_ path: String) throws -> String {
        let db = try Database(path: path, create: false)
        defer { db.close() }
        let statement = try db.prepare("PRAGMA integrity_check")
        _ = try statement.step()
        return statement.string(0) ?? ""
    }

    private func withTemporaryPath(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.appendingPathComponent("replica.db").path)
    }
}

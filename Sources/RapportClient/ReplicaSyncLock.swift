import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One sync of a replica at a time, across tasks, threads and processes.
///
/// An exclusive `flock` on a file beside the replica (`<replica>-synclock`). Each holder opens the
/// file itself, and flock locks held through different opens exclude each other even within one
/// process, so the same lock serves a second `SyncSession` in this app and a `rapport sync` in a
/// terminal. The kernel drops the lock when its holder dies: a killed sync never leaves it held.
/// The file holds the holder's process id, for the message of whoever waits too long. A waiting
/// sync also holds `<replica>-synclock-waiting` shared, so a holder that could stop early (a live
/// sync's long poll) knows to.
final class ReplicaSyncLock: @unchecked Sendable {
    private let descriptor: Int32
    private let waitingPath: String

    private init(descriptor: Int32, waitingPath: String) {
        self.descriptor = descriptor
        self.waitingPath = waitingPath
    }

    /// The lock file of the replica at `storePath`; nil for an in-memory replica, which no other
    /// process can open.
    static func lockPath(forStoreAt storePath: String) -> String? {
        storePath.isEmpty || storePath == ":memory:" ? nil : storePath + "-synclock"
    }

    /// Takes the lock, trying every 20 ms for up to `timeout` seconds; cancellable.
    static func acquire(storePath: String, timeout: TimeInterval) async throws -> ReplicaSyncLock? {
        guard let path = lockPath(forStoreAt: storePath) else { return nil }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw SyncError(.busy, "cannot open the sync lock \(path) (\(reason)); check that the replica's folder is writable")
        }
        let deadline = Date().addingTimeInterval(timeout)
        // While it waits, a sync holds the waiting file shared: the holder sees it
        // (`othersAreWaiting`) and a live sync ends its long poll to let this one in.
        var waiting: Int32 = -1
        defer { if waiting >= 0 { close(waiting) } }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if waiting < 0 {
                waiting = open(path + "-waiting", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                if waiting >= 0 { _ = flock(waiting, LOCK_SH | LOCK_NB) }
            }
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw SyncError(.busy, "cannot lock \(path) (\(reason)); check the file system supports locks")
            }
            if Date() >= deadline {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(descriptor)
                throw SyncError(.busy, """
                    another sync of this replica is running\(holder.isEmpty ? "" : " (process \(holder))") and did not finish \
                    within \(Int(timeout)) s; wait for it, or stop it (a `rapport sync --watch` runs until interrupted)
                    """)
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                close(descriptor)
                throw SyncError(.cancelled, "the sync was cancelled while waiting for another sync of this replica")
            }
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return ReplicaSyncLock(descriptor: descriptor, waitingPath: path + "-waiting")
    }

    /// Whether another sync of this replica is waiting for the lock.
    func othersAreWaiting() -> Bool {
        let waiting = open(waitingPath, O_RDWR | O_CLOEXEC)
        guard waiting >= 0 else { return false }
        defer { close(waiting) }
        // Anyone waiting holds it shared, so an exclusive try fails.
        guard flock(waiting, LOCK_EX | LOCK_NB) == 0 else { return true }
        _ = flock(waiting, LOCK_UN)
        return false
    }

    deinit {
        // Closing the descriptor releases the lock.
        close(descriptor)
    }
}

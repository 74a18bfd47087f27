import Dispatch
import Foundation
import RapportClient
import RapportStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Sync {
    /// `rapport sync --watch`: a `LiveSync` until Ctrl-C, one line per change batch and per
    /// change of connectivity.
    func watch(_ session: SyncSession, url: URL, workspace: String) async {
        var liveOptions = LiveSyncOptions()
        if let wait { liveOptions.longPoll = wait }
        let json = options.json
        let live = session.live(liveOptions) { report in
            if json {
                printJSONLine(["event": "synced", "at": isoNow(), "pushed": report.pushed, "pulled": report.pulled,
                               "inserted": report.inserted, "updated": report.updated, "conflicts": report.conflicts,
                               "rejected": report.rejected.count, "fullResync": report.fullResync])
            } else {
                // The duration would include the long poll's wait: left out.
                emitLine("\(clockNow()) " + summary(report).replacingOccurrences(of: #" \[[0-9.]+ s\]$"#, with: "", options: .regularExpression))
            }
        }
        if !json { emitLine("\(clockNow()) watching \(url.absoluteString) workspace \(workspace) for \(options.path); Ctrl-C stops") }
        let running = Task { await live.run() }
        let states = Task {
            var wasOffline = false
            for await state in live.states() {
                switch state {
                case .offline(let reason, let retryAt):
                    guard !wasOffline else { continue }
                    wasOffline = true
                    say(json, "offline", "offline: \(reason); retrying (next at \(clockNow(retryAt)))", reason: reason)
                case .blocked(let reason, let setAside, _):
                    say(json, "blocked", "blocked: " + reason + (setAside.isEmpty ? "" : " (see `rapport status`)"), reason: reason)
                case .idle where wasOffline:
                    wasOffline = false
                    say(json, "online", "back online, in sync")
                default: continue
                }
            }
        }
        // Ctrl-C (or SIGTERM) stops the loop at a safe point; a second one quits at once.
        let interrupts = Interrupts { running.cancel() }
        _ = await running.value
        states.cancel()
        withExtendedLifetime(interrupts) {}
        let pending = (try? session.store.info().pendingChanges) ?? 0
        say(json, "stopped", "stopped" + (pending > 0 ? "; \(pending) local change\(pending == 1 ? "" : "s") not yet pushed" : "; everything pushed"))
    }

    private func say(_ json: Bool, _ event: String, _ line: String, reason: String? = nil) {
        if json {
            var object: [String: Any] = ["event": event, "at": isoNow()]
            if let reason { object["reason"] = reason }
            printJSONLine(object)
        } else {
            emitLine("\(clockNow()) \(line)")
        }
    }
}

/// SIGINT and SIGTERM handlers for a long-running command: the first signal calls `stop`, the
/// second exits at once with the shell's usual status (130).
final class Interrupts: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()
    private var count = 0

    init(stop: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                let seen = lock.withLock { count += 1; return count }
                if seen == 1 {
                    FileHandle.standardError.write(Data("\nstopping after the page in hand (Ctrl-C again to quit at once)\n".utf8))
                    stop()
                } else {
                    exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

private func clockNow(_ date: Date = Date()) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "HH:mm:ss"
    return formatter.string(from: date)
}

private func isoNow() -> String { ISO8601DateFormatter().string(from: Date()) }

/// One line to standard output, written at once (not buffered), so a script or a terminal
/// multiplexer reading a pipe sees each line as it happens.
func emitLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// One JSON object on one line (JSON Lines), flushed at once for a reading script.
func printJSONLine(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

import Foundation
import RapportClient
import RapportModel
import RapportStore

/// What the screen shows, built only from what the library publishes; no terminal code here, so
/// an app's view model would look the same.
struct Screen {
    enum Update: Sendable {
        case accounts([AccountOverview])
        case sync(LiveSyncState)
        case failed(String)
    }

    let title: String
    private var accounts: [AccountOverview]?
    private var sync = LiveSyncState.starting
    private var frame = 0

    init(title: String) { self.title = title }

    mutating func apply(_ update: Update) {
        switch update {
        case .accounts(let overviews): accounts = overviews
        case .sync(let state): sync = state
        case .failed: break
        }
    }

    /// The next frame; its number lets a reader (or a test) see that a redraw happened.
    mutating func lines() -> [String] {
        frame += 1
        var lines = ["Rapport example — \(title)", "sync: \(Self.describe(sync))", ""]
        guard let accounts else { return lines + ["loading…"] }
        lines.append(Self.row("ACCOUNT", "OWNER", "RELATIONSHIP"))
        lines.append(Self.row(String(repeating: "─", count: 28), String(repeating: "─", count: 12), String(repeating: "─", count: 16)))
        lines += accounts.map { Self.row($0.account.name, $0.account.owner, Self.describe($0.relationship)) }
        if accounts.isEmpty { lines.append("no accounts yet: add one on any replica and sync it") }
        return lines + ["", "\(accounts.count) account\(accounts.count == 1 ? "" : "s") · frame \(frame) · Ctrl-C quits"]
    }

    private static func row(_ name: String, _ owner: String, _ relationship: String) -> String {
        // Names are the user's: cut, never wrapped, so one long name cannot push the list off screen.
        func cell(_ text: String, _ width: Int) -> String {
            let cut = text.count > width ? text.prefix(width - 1) + "…" : Substring(text)
            return cut.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        return cell(name, 28) + "  " + cell(owner, 12) + "  " + relationship
    }

    /// The essays' rule: High only when trust and respect are both High; Low needs work.
    private static func describe(_ level: Level?) -> String {
        switch level {
        case .high: "High"
        case .low: "Low (needs work)"
        case nil: "not assessed"
        }
    }

    private static func describe(_ state: LiveSyncState) -> String {
        switch state {
        case .starting: return "starting"
        case .idle: return "in sync"
        case .pushing(let done, let total): return "pushing \(done)\(total.map { " of \($0)" } ?? "")"
        case .pulling(let done): return "pulling (\(done) so far)"
        case .offline(let reason, let retryAt):
            let clock = DateFormatter()
            clock.dateFormat = "HH:mm:ss"
            return "offline: \(reason); next try at \(clock.string(from: retryAt))"
        case .blocked(let reason, let setAside, _):
            return "blocked: \(reason)" + (setAside.isEmpty ? "" : " (\(setAside.count) set aside)")
        case .paused: return "paused"
        case .stopped: return "stopped"
        }
    }
}

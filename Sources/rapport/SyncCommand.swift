import ArgumentParser
import Foundation
import RapportClient
import RapportStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push local changes to a sync server and pull everyone else's; safe to interrupt and rerun.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "Server URL, e.g. http://127.0.0.1:8080 (default $RAPPORT_SERVER).") var server: String?
    @Option(help: "Workspace name (default $RAPPORT_WORKSPACE).") var workspace: String?
    @Option(help: "Bearer token (default $RAPPORT_TOKEN; prefer the variable: arguments show in process lists).") var token: String?
    @Option(help: "Long-poll: wait up to this many seconds for new changes (0–30; with --watch 1–30, default 25).") var wait: Int?
    @Flag(help: "Move this replica to another workspace: push all its records there and pull its feed from the start.")
    var switchWorkspace = false
    @Flag(help: ArgumentHelp("Stay in sync until interrupted: push soon after every local edit, receive others' at once.",
                             discussion: "Prints one line per change. Ctrl-C stops after the page in hand; a second Ctrl-C quits at once."))
    var watch = false

    func validate() throws {
        if let wait {
            guard (watch ? 1 : 0)...30 ~= wait else {
                throw ValidationError(watch ? "--wait must be 1…30 seconds with --watch" : "--wait must be 0…30 seconds")
            }
        }
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let serverText = server ?? env["RAPPORT_SERVER"], let url = URL(string: serverText), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw CLIError("give the server as --server http://HOST:PORT (or set RAPPORT_SERVER)")
        }
        guard let workspace = workspace ?? env["RAPPORT_WORKSPACE"], !workspace.isEmpty else {
            throw CLIError("give the workspace as --workspace NAME (or set RAPPORT_WORKSPACE)")
        }
        guard let token = token ?? env["RAPPORT_TOKEN"], !token.isEmpty else {
            throw CLIError("give a token with RAPPORT_TOKEN=… (or --token); the server admin creates one with `rapport server token add`")
        }
        let store = try options.openStore()
        let quiet = options.json || watch
        let session = SyncSession(
            store: store, transport: makeTransport(server: url, token: token), workspace: workspace,
            options: { var o = SyncOptions(wait: watch ? 0 : wait ?? 0); o.switchWorkspace = switchWorkspace; return o }()
        ) { progress in
            guard !quiet, progress.done > 0, progress.done % 2_000 == 0 || (progress.total.map { $0 > 2_000 && progress.done == $0 } ?? false) else { return }
            FileHandle.standardError.write(Data("  \(progress.phase.rawValue): \(progress.done)\(progress.total.map { " of \($0)" } ?? "")\n".utf8))
        }
        if watch {
            await watch(session, url: url, workspace: workspace)
            return
        }
        let report: SyncReport
        do { report = try await session.sync() } catch let error as SyncError {
            throw CLIError(error.message, code: .sync)
        } catch {
            throw describe(error)
        }
        if options.json {
            printJSON(["pushed": report.pushed, "acknowledged": report.acknowledged, "rejected": report.rejected.count,
                       "refusedForNow": report.rejected.count(where: \.staysQueued),
                       "pulled": report.pulled, "inserted": report.inserted, "updated": report.updated, "stale": report.stale,
                       "conflicts": report.conflicts, "pages": report.pages, "fullResync": report.fullResync,
                       "clockRecovered": report.clockRecovered,
                       "cursor": report.cursor, "seconds": report.duration])
            return
        }
        print(summary(report))
        for rejected in report.rejected {
            let what = rejected.staysQueued ? "refused for now (still queued)" : "rejected and set aside"
            print("  \(what): \(rejected.entity) \(rejected.id) (\(rejected.reason)): \(rejected.message)")
        }
    }
}

/// One line a person reads after a sync.
func summary(_ r: SyncReport) -> String {
    // A record refused for now (a wrong clock) stays queued and is not counted as rejected.
    let later = r.rejected.count(where: \.staysQueued), setAside = r.rejected.count - later
    let refusals = [setAside > 0 ? "\(setAside) rejected and set aside" : nil, later > 0 ? "\(later) refused for now, still queued" : nil].compactMap { $0 }
    var parts = ["pushed \(r.pushed)\(refusals.isEmpty ? "" : " (\(refusals.joined(separator: ", ")))")",
                 "pulled \(r.pulled) in \(r.pages) page\(r.pages == 1 ? "" : "s"): \(r.inserted) new, \(r.updated) updated, \(r.stale) already known"]
    if r.conflicts > 0 { parts.append("\(r.conflicts) conflict\(r.conflicts == 1 ? "" : "s") resolved (see `rapport conflicts`)") }
    if r.fullResync { parts.append("the server was replaced: everything was re-sent") }
    if r.clockRecovered { parts.append("writes stamped under a wrong device clock were re-stamped with the current time") }
    return parts.joined(separator: "; ") + String(format: " [%.2f s]", r.duration)
}

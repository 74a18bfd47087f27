import ArgumentParser
import Foundation
import RapportClient
import RapportModel
import RapportStore

/// An app's data layer in a terminal: one replica, live sync, and a screen that redraws from an
/// observed query. It links only what an iOS app would (Model, Store, Client), so every call here
/// is one an app makes.
///
///     rapport-example --db phone.db --server http://127.0.0.1:8080 --workspace acme-cs
///     (token from $RAPPORT_TOKEN)
@main
struct RapportExample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rapport-example",
        abstract: "A live list of accounts and their relationships, kept in sync with a Rapport server; Ctrl-C quits.")

    @Option(help: "Replica file; created if missing (default $RAPPORT_DB, else ./example.db).") var db: String?
    @Option(help: "Server URL, e.g. http://127.0.0.1:8080 (default $RAPPORT_SERVER).") var server: String?
    @Option(help: "Workspace name (default $RAPPORT_WORKSPACE).") var workspace: String?
    @Option(help: "Bearer token (default $RAPPORT_TOKEN; prefer the variable: arguments show in process lists).") var token: String?

    func run() async throws {
        // Flags win over the environment, as in `rapport sync`; each missing piece gets one line.
        let env = ProcessInfo.processInfo.environment
        guard let text = server ?? env["RAPPORT_SERVER"], let url = URL(string: text),
              url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ExampleError("give the server as --server http://HOST:PORT (or set RAPPORT_SERVER)")
        }
        guard let workspace = workspace ?? env["RAPPORT_WORKSPACE"], !workspace.isEmpty else {
            throw ExampleError("give the workspace as --workspace NAME (or set RAPPORT_WORKSPACE)")
        }
        guard let token = token ?? env["RAPPORT_TOKEN"], !token.isEmpty else {
            throw ExampleError("give a token with RAPPORT_TOKEN=… (or --token); `rapport server token add` makes one")
        }
        let path = db ?? env["RAPPORT_DB"] ?? "example.db"
        let store: Store
        do {
            // An app opens its file at launch and creates it on first launch.
            store = FileManager.default.fileExists(atPath: path)
                ? try Store.open(at: path) : try Store.create(at: path, name: "example")
        } catch let error as StoreError {
            throw ExampleError("cannot open \(path): \(error.message)")
        }

        let session = SyncSession(store: store, transport: makeTransport(server: url, token: token), workspace: workspace)
        let live = session.live()
        var screen = Screen(title: "\(path) · \(workspace) at \(url.absoluteString)")
        let terminal = Terminal()

        // Two sources change the screen: the data and the sync state. Both feed one stream, so the
        // screen has a single owner (this loop) and needs no lock.
        let (updates, feed) = AsyncStream.makeStream(of: Screen.Update.self)
        let syncing = Task { await live.run() }
        let watchingState = Task {
            for await state in live.states() { feed.yield(.sync(state)) }
        }
        let watchingData = Task {
            do {
                // The current list at once, then a fresh one after every commit that touched the
                // accounts or assessments: pulled pages, local edits, other processes on the file.
                // removeDuplicates keeps the screen still when a commit did not change the list.
                for try await overviews in store.observe({ try $0.accountOverviews() }).removeDuplicates() {
                    feed.yield(.accounts(overviews))
                }
            } catch {
                feed.yield(.failed("reading the replica failed: \((error as? StoreError)?.message ?? "\(error)")"))
                feed.finish()
            }
        }
        // Ctrl-C ends the stream; the loop below then stops the tasks and restores the terminal.
        Terminal.onInterrupt { feed.finish() }

        terminal.begin()
        var failure: String?
        for await update in updates {
            if case .failed(let message) = update { failure = message; break }
            screen.apply(update)
            terminal.draw(screen.lines())
        }
        // Cancelling `run()` abandons a sync at a safe point: a page is applied whole or not at all.
        syncing.cancel()
        watchingData.cancel()
        await syncing.value
        watchingState.cancel()
        terminal.end()
        if let failure { throw ExampleError(failure) }
    }
}

/// One line for the user, printed by ArgumentParser as `Error: …` with exit status 1.
struct ExampleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

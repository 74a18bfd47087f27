import Foundation
import RapportClient
import RapportModel
import RapportServerCore
import RapportStore
import Testing

/// The code of the DocC article "Build an app on Rapport"
/// (`Sources/RapportClient/RapportClient.docc/BuildAnAppOnRapport.md`), run against the real
/// server over HTTP. Every `swift` block of the article appears in this file line for line
/// (`everyCodeBlockOfTheArticleIsInThisFile`), so the article cannot show code that no longer compiles.
@Suite struct DocumentationExampleTests {
    let replicas: Replicas

    init() throws { replicas = try Replicas("DocumentationExampleTests") }

    // The article's "Open or create the store".
    func openStore(at path: String, schema: ReplicaSchema) throws -> Store {
        if FileManager.default.fileExists(atPath: path) {
            return try Store.open(at: path, schema: schema)
        }
        return try Store.create(at: path, name: "phone", schema: schema)
    }

    // The article's status line.
    func statusLine(_ state: LiveSyncState) -> String {
        switch state {
        case .starting: "Connecting…"
        case .idle: "Up to date"
        case .pushing(let done, let total): "Sending \(done) of \(total.map(String.init) ?? "…")"
        case .pulling(let done): "Receiving \(done)…"
        case .offline(let reason, _): "Offline: \(reason)"
        case .blocked(let reason, let setAside, _):
            setAside.isEmpty ? "Sync stopped: \(reason)" : "\(setAside.count) changes not synced: \(reason)"
        case .paused: "Paused"
        case .stopped: "Sync is off"
        }
    }

    /// What the screen of the article's observation last showed.
    final class Screen: @unchecked Sendable {
        private let lock = NSLock()
        private var shown: [[AccountOverview]] = []
        func render(_ overviews: [AccountOverview]) { lock.withLock { shown.append(overviews) } }
        var renders: [[AccountOverview]] { lock.withLock { shown } }
        var last: [AccountOverview]? { renders.last }
    }

    /// The status line of the article's live sync, and every text it showed.
    final class StatusBar: @unchecked Sendable {
        private let lock = NSLock()
        private var texts: [String] = []
        var text: String {
            get { lock.withLock { texts.last ?? "" } }
            set { lock.withLock { texts.append(newValue) } }
        }
        var history: [String] { lock.withLock { texts } }
    }

    @Test func theArticlesStoreWritesAndObservationWorkAsItSays() async throws {
        let path = replicas.directory.appendingPathComponent("phone.rapport").path
        let schema = ReplicaSchema.builtIn
        var store = try openStore(at: path, schema: schema)

        // The article's "Write with field-level edits".
        try store.accounts.create(Account(id: "acme", name: "Acme Logistics", segment: "enterprise", arr: 120_000, owner: "dana"))
        let changed = try store.accounts.update(id: "acme") { $0.owner = "lee" }
        #expect(changed == ["owner"])

        let shown = try store.accounts.get(id: "acme")!
        var edited = shown
        edited.arr = 135_000
        try store.accounts.update(edited, from: shown)
        #expect(try store.accounts.get(id: "acme")?.arr == 135_000)

        try store.batch { batch in
            try batch.create(Stakeholder(id: "acme-pat", accountID: "acme", name: "Pat Kim", role: "sponsor"))
            try batch.update(id: "acme") { (account: inout Account) in account.segment = "strategic" }
        }
        #expect(try store.stakeholders.get(id: "acme-pat")?.role == "sponsor")
        #expect(try store.accounts.get(id: "acme")?.segment == "strategic")

        let owner = try await store.perform { store in
            try store.accounts.update(id: "acme") { $0.owner = "sam" }
        }
        #expect(owner == ["owner"])

        // Opening again finds the file.
        store = try openStore(at: path, schema: schema)
        #expect(try store.accounts.get(id: "acme")?.owner == "sam")

        // The article's "Observe what the screen shows".
        let screen = Screen()
        let render = { @Sendable (overviews: [AccountOverview]) in screen.render(overviews) }
        let observing = Task { [store] in
            let accounts = store.observe { try $0.accountOverviews() }.removeDuplicates()
            for try await overviews in accounts {
                render(overviews)
            }
        }
        #expect(await eventually { screen.last?.map(\.account.id) == ["acme"] }, "the current result comes first")
        try store.accounts.create(Account(id: "globex", name: "Globex"))
        #expect(await eventually { screen.last?.count == 2 }, "a commit that writes a table the query read yields again")
        let renders = screen.renders.count
        try store.accounts.update(id: "globex") { $0.name = "Globex" }  // no change: nothing written
        try store.update(entity: "account", id: "acme", values: ["owner": .string("sam")])  // the same value
        try await Task.sleep(for: .milliseconds(300))
        #expect(screen.renders.count == renders, "removeDuplicates() keeps the screen still when the result did not change")
        observing.cancel()
        _ = await observing.result
    }

    @Test func theArticlesLiveSyncConflictsAndErrorsWorkAsItSays() async throws {
        try await LiveServer.run(in: replicas.directory, transport: .socket) { server in
            let serverURL = server.baseURL, token = server.secret, workspace = LiveServer.workspace
            let laptop = try replicas.make("laptop")
            let laptopSync = SyncSession(store: laptop, transport: makeTransport(server: serverURL, token: token), workspace: workspace)
            let store = try openStore(at: replicas.directory.appendingPathComponent("phone.rapport").path, schema: .builtIn)

            // The article's "Run live sync".
            let transport = makeTransport(server: serverURL, token: token)
            let session = SyncSession(store: store, transport: transport, workspace: workspace)
            let live = session.live()
            let syncing = Task { await live.run() }

            let statusBar = StatusBar()
            let statuses = Task {
                for await state in live.states() {
                    statusBar.text = statusLine(state)
                }
            }

            // An edit on the phone reaches the laptop without anyone calling sync().
            try store.accounts.create(Account(id: "acme", name: "Acme Logistics", owner: "dana"))
            #expect(try await eventually { try store.info().pendingChanges == 0 })
            _ = try await laptopSync.sync()
            #expect(try laptop.accounts.get(id: "acme")?.owner == "dana")

            // And the laptop's edit reaches the phone through its long poll.
            try laptop.accounts.update(id: "acme") { $0.segment = "enterprise" }
            _ = try await laptopSync.sync()
            #expect(try await eventually { try store.accounts.get(id: "acme")?.segment == "enterprise" })

            live.pause()     // the app went to the background
            live.resume()    // back in the foreground
            live.syncNow()   // pull to refresh
            #expect(await eventually { live.state == .idle })

            // Both edit the owner while the phone is paused: a conflict, journaled on the phone.
            live.pause()
            #expect(await eventually { live.state == .paused })
            try store.accounts.update(id: "acme") { $0.owner = "lee" }
            try laptop.accounts.update(id: "acme") { $0.owner = "sam" }
            _ = try await laptopSync.sync()
            live.resume()
            #expect(try await eventually { try !store.conflicts().isEmpty })

            // The article's "Show and resolve conflicts".
            let open = try store.conflicts()
            if let entry = open.first(where: { $0.conflict.field == "owner" }) {
                let shown = entry.conflict.winningValue.value  // what the record holds now
                let lost = entry.conflict.losingValue.value    // what it overwrote
                print("owner: \(shown) won over \(lost)")
                try store.resolveConflict(entry.seq, choice: .value(.string("lee")))
            }
            #expect(try store.conflicts().isEmpty)
            #expect(try store.accounts.get(id: "acme")?.owner == "lee")
            #expect(try await eventually { try store.info().pendingChanges == 0 }, "the resolution syncs like an edit")
            _ = try await laptopSync.sync()
            #expect(try laptop.accounts.get(id: "acme")?.owner == "lee")
            #expect(try laptop.conflicts().isEmpty, "resolved on the phone means resolved on the laptop")

            // The article's set-aside records.
            for rejection in try store.rejections() {
                print("\(rejection.entity) \(rejection.id) was not synced: \(rejection.message)")
            }

            syncing.cancel() // signed out: stops the loop
            await syncing.value
            await statuses.value
            let seen = statusBar.history
            #expect(seen.contains("Up to date"))
            #expect(seen.contains("Paused"))
            #expect(seen.last == "Sync is off")
            try await wakeLongPolls(laptopSync)
        }
    }

    @Test func theArticlesErrorHandlingAndSchemaEvolutionWorkAsItSays() async throws {
        try await LiveServer.run(in: replicas.directory, transport: .socket) { server in
            let serverURL = server.baseURL, token = server.secret, workspace = LiveServer.workspace
            var banners: [String] = []
            func showBanner(_ text: String) { banners.append(text) }

            // The article's "Evolve the schema".
            let schema = try ReplicaSchema(adding: [
                .fields([("tier", .optionalText)], of: "account"),
            ])
            let path = replicas.directory.appendingPathComponent("phone.rapport").path
            let store = try openStore(at: path, schema: schema)
            try store.accounts.create(Account(id: "acme", name: "Acme Logistics"))
            try store.update(entity: "account", id: "acme", values: ["tier": .string("gold")])
            let tier = try store.fields(entity: "account", id: "acme")?["tier"]
            #expect(tier == .string("gold"))

            // The article's "Handle errors": the workspace does not declare `tier` yet.
            let session = SyncSession(store: store, transport: makeTransport(server: serverURL, token: token), workspace: workspace)
            do {
                let report = try await session.sync()
                print("pushed \(report.pushed), pulled \(report.pulled)")
            } catch let error as SyncError where error.code == .schemaNotDeclared {
                showBanner("Your team's server does not take this version's new fields yet; your edits wait on this device")
            } catch let error as SyncError where error.code == .busy {
                // Another sync of this replica (an app extension, the CLI) kept running: try again later.
            } catch let error as SyncError where error.code == .unauthorized || error.code == .forbidden {
                showBanner("Sign in again: \(error.message)")
            } catch let error as SyncError {
                showBanner(error.message)
            }
            #expect(banners.count == 1 && banners[0].contains("new fields"))
            #expect(try store.info().pendingChanges == 1, "nothing was pushed")

            // An operator declares it (`rapport server schema add-field`), and the next sync pushes.
            try server.store.declare(.fields([("tier", .optionalText)], of: "account"), workspace: workspace, now: Date())
            let report = try await session.sync()
            #expect(report.acknowledged == 1)

            // Opening a file that is no replica.
            let junk = replicas.directory.appendingPathComponent("junk.rapport").path
            try Data("not a database".utf8).write(to: URL(fileURLWithPath: junk))
            let before = banners.count
            let storePath = junk
            do {
                let store = try Store.open(at: storePath, schema: schema)
                print(try store.info().name)
            } catch let error as StoreError {
                switch error.code {
                case .newerSchema, .conflict:
                    showBanner("This data was saved by a newer version of the app: update the app")
                case .notADatabase, .notARapportDatabase, .corruptDatabase:
                    showBanner(error.message)
                default:
                    throw error
                }
            }
            #expect(banners.count == before + 1)
        }
    }

    /// A push from another replica wakes the server's long polls, which a cancelled live sync
    /// leaves open, so the in-process server never shuts down under a request in flight.
    private func wakeLongPolls(_ session: SyncSession) async throws {
        try await Task.sleep(for: .milliseconds(100))
        try session.store.accounts.create(Account(id: "wake-\(UUID().uuidString.prefix(8))", name: "wake"))
        _ = try await session.sync()
        try await Task.sleep(for: .milliseconds(300))
    }

    /// The article's code blocks, each a run of lines of this file (indentation aside): what the
    /// article shows is what these tests compile and run.
    @Test func everyCodeBlockOfTheArticleIsInThisFile() throws {
        let here = URL(fileURLWithPath: #filePath)
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let article = try String(contentsOf: root.appendingPathComponent("Sources/RapportClient/RapportClient.docc/BuildAnAppOnRapport.md"), encoding: .utf8)
        let source = try String(contentsOf: here, encoding: .utf8)
        let lines = { (text: Substring) in text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let sourceLines = lines(Substring(source))

        var blocks: [[String]] = []
        var current: [Substring]?
        for line in article.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```swift" {
                current = []
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(lines(Substring(current!.joined(separator: "\n"))))
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        #expect(blocks.count >= 8, "the article's code blocks were found")
        for block in blocks {
            let found = sourceLines.indices.contains { start in
                start + block.count <= sourceLines.count && Array(sourceLines[start..<start + block.count]) == block
            }
            #expect(found, "not in DocumentationExampleTests.swift, so not compiled: \(block.joined(separator: "\n"))")
        }
    }
}

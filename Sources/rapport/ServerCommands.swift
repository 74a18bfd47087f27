import ArgumentParser
import Foundation
import Logging
import RapportServer
import RapportStore

/// Where the server keeps its data: shared by `serve` and `server …`.
struct ServerDatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Server database file.", discussion: "Defaults to $RAPPORT_SERVER_DB, else ./server.db."))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(
        "Serve a PostgreSQL database instead of the file: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME].",
        discussion: "Defaults to $RAPPORT_POSTGRES when --db is not given. Several `rapport serve` processes may share one database."))
    var postgres: String?

    @Flag(name: .long, help: "Print machine-readable JSON.") var json = false

    var path: String { db ?? ProcessInfo.processInfo.environment["RAPPORT_SERVER_DB"] ?? "server.db" }

    /// The PostgreSQL URL in force: `--postgres`, else `$RAPPORT_POSTGRES` unless `--db` was given.
    var postgresURL: String? {
        if let postgres { return postgres }
        guard db == nil, let url = ProcessInfo.processInfo.environment["RAPPORT_POSTGRES"], !url.isEmpty else { return nil }
        return url
    }

    func validate() throws {
        if db != nil && postgres != nil { throw ValidationError("give --db FILE or --postgres URL, not both") }
    }

    /// What to call the database in messages: the file, or the URL without its password.
    var shownLocation: String { (try? postgresURL.map { try PostgresLocation(url: $0).redacted }) ?? nil ?? path }

    func open(create: Bool = false) throws -> any ServerDatabase {
        if let url = postgresURL {
            return try cli { try PostgresStore.open(url: url, maximumConnections: 2) }
        }
        return try openFile(create: create)
    }

    /// The SQLite file, for what only it has (backup and restore of the file).
    func openFile(create: Bool = false) throws -> ServerStore {
        guard create || FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no server database at \(path): create a workspace first (`rapport server workspace add NAME --db \(path)`) or pass --db PATH")
        }
        return try cli { try ServerStore.open(at: path, create: create) }
    }

    /// Refuses PostgreSQL for the file-only commands, saying what to use instead.
    func requireFile(_ command: String) throws {
        if postgresURL != nil {
            throw CLIError("`rapport server \(command)` copies the SQLite file; for PostgreSQL use pg_dump/pg_restore, or move data between backends with `rapport server export` and `import`")
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the sync server (JSON over HTTP). Binds 127.0.0.1 unless told otherwise; put TLS in front (see README).")

    @OptionGroup var options: ServerDatabaseOptions
    @Option(help: "Address to bind. Use 0.0.0.0 only behind a TLS proxy.") var host = "127.0.0.1"
    @Option(help: "Port (0 = any free port).") var port = 8080
    @Option(help: "Largest request body in bytes.") var maxBody = ServerConfiguration.defaultMaxBodyBytes
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "PostgreSQL connections this process opens at most (with --postgres).") var maxConnections = 8

    func validate() throws {
        guard (1...500).contains(maxConnections) else { throw ValidationError("--max-connections must be 1…500, e.g. --max-connections 8") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, e.g. --port 8080") }
        guard maxBody >= 1_024 else { throw ValidationError("--max-body must be at least 1024 bytes") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        var configuration = ServerConfiguration(databasePath: options.path, host: host, port: port)
        configuration.maxBodyBytes = maxBody
        configuration.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        configuration.postgresURL = options.postgresURL
        configuration.maxDatabaseConnections = maxConnections
        var logger = Logger(label: "rapport.server")
        logger.logLevel = configuration.logLevel
        let store = try cli { try openDatabase(configuration: configuration, logger: logger) }
        let workspaces = try cli { try store.workspaces() }
        if workspaces.isEmpty {
            let flag = options.postgresURL == nil ? "--db \(options.path)" : "--postgres URL"
            FileHandle.standardError.write(Data("note: no workspaces yet; add one with `rapport server workspace add NAME \(flag)`\n".utf8))
        }
        // One registry for GET /metrics and for whatever in the process reports through swift-metrics.
        let metrics = ServerMetrics()
        metrics.bootstrapMetricsSystem()
        let app = buildApplication(store: store, configuration: configuration, logger: logger, metrics: metrics) { port in
            // Written straight to the descriptor: a script reading our output must see it at once.
            FileHandle.standardOutput.write(Data("rapport server listening on http://\(host):\(port) (epoch \(store.epoch)); Ctrl-C stops it\n".utf8))
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Manage the server's workspaces, tokens, schemas and backups.",
        subcommands: [Workspace.self, Token.self, Schema.self, Backup.self, Restore.self, Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the whole server database to a dump file (JSON Lines); safe while the server runs.",
            discussion: """
                Load the dump into another backend with `rapport server import`, e.g. to move a team from the SQLite file to \
                PostgreSQL or back: the epoch, sequences and commit tags move with it, so every client carries on without a \
                resync. The dump holds the tokens' hashes: keep it as safe as the database itself.
                """)

        @OptionGroup var options: ServerDatabaseOptions
        @Option(name: [.customShort("o"), .long], help: "The new file to write (must not exist).") var output: String

        func run() throws {
            let store = try options.open()
            defer { store.close() }
            let summary = try cli { try store.exportDump(toFile: output) }
            if options.json { printJSON(dumpJSON(summary, epoch: store.epoch, dump: output, database: store.location)); return }
            print("Exported \(summaryLine(summary)) from \(store.location) to \(output) (epoch \(store.epoch)).")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a dump (from `rapport server export`) into an empty server database.",
            discussion: """
                The target must have no workspace: a new --db file (created if absent) or a new PostgreSQL schema. It takes \
                the dump's epoch, so clients that synced with the exported server carry on against this one without a resync. \
                All or nothing: a damaged or cut dump is refused, naming the line, and nothing is imported.
                """)

        @OptionGroup var options: ServerDatabaseOptions
        @Argument(help: "The dump file to load.") var dump: String

        func run() throws {
            let reader = try cli { try ServerDumpReader(path: dump) }
            let creates = options.postgresURL == nil && !FileManager.default.fileExists(atPath: options.path)
            let store = try options.open(create: true)
            let summary: ServerDumpSummary
            do {
                summary = try cli { try store.importDump(from: reader) }
            } catch {
                store.close()
                // A file made only to import into leaves nothing behind when the import failed.
                if creates { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: options.path + suffix) } }
                throw error
            }
            defer { store.close() }
            if options.json { printJSON(dumpJSON(summary, epoch: store.epoch, dump: dump, database: store.location)); return }
            print("Imported \(summaryLine(summary)) from \(dump) into \(store.location) (epoch \(store.epoch)); clients carry on without a resync.")
        }
    }

    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the server database to a new file; safe while the server runs.",
            discussion: "Put the copy back with `rapport server restore`, never by copying the file over: restore gives it a new epoch so every client resyncs and re-sends what the copy lacks.")

        @OptionGroup var options: ServerDatabaseOptions
        @Option(name: [.customShort("o"), .long], help: "The new file to write (must not exist).") var output: String

        func run() throws {
            try options.requireFile("backup")
            let store = try options.openFile()
            try cli { try store.backup(to: output) }
            if options.json { printJSON(["backup": output, "epoch": store.epoch]) } else { print("Backed up \(options.path) to \(output).") }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the server database with a backup; safe while the server runs.",
            discussion: "The restored database gets a new epoch: on their next sync every client resets its cursor, pushes all its records again and pulls from the start, so nothing a client had that the backup lacks is lost.")

        @OptionGroup var options: ServerDatabaseOptions
        @Argument(help: "The backup file (made by `rapport server backup`).") var backup: String
        @Flag(help: "Replace an existing server database (everything written after the backup is dropped from the server).") var replace = false

        func run() throws {
            try options.requireFile("restore")
            let target = options.path
            if FileManager.default.fileExists(atPath: target) && !replace {
                throw CLIError("\(target) exists and restoring replaces everything in it; run again with --replace to do that")
            }
            let epoch = try cli { try ServerStore.restore(from: backup, to: target, replacingExisting: replace) }
            if options.json { printJSON(["restored": backup, "db": target, "epoch": epoch]); return }
            print("Restored \(backup) into \(target) under the new epoch \(epoch); clients resync in full on their next sync.")
        }
    }

    struct Workspace: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Workspaces (a CS team's data).", subcommands: [Add.self, List.self], defaultSubcommand: List.self)

        struct Add: ParsableCommand {
            @OptionGroup var options: ServerDatabaseOptions
            @Argument(help: "Name: letters, digits, - and _, at most 64.") var name: String
            func run() throws {
                let store = try options.open(create: true)
                let info = try cli { try store.addWorkspace(name) }
                if options.json { printJSON(["workspace": info.name]) } else { print("Workspace \(info.name) created. Next: rapport server token add --workspace \(info.name) --label LABEL") }
            }
        }

        struct List: ParsableCommand {
            @OptionGroup var options: ServerDatabaseOptions
            func run() throws {
                let store = try options.open()
                let all = try cli { try store.workspaces() }
                if options.json { printJSON(all.map { ["name": $0.name, "records": $0.records, "latestSequence": $0.latestSequence] }); return }
                printTable(["WORKSPACE", "RECORDS", "SEQUENCE"], all.map { [$0.name, String($0.records), String($0.latestSequence)] })
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bearer tokens: each grants one workspace.", subcommands: [Add.self, List.self, Revoke.self], defaultSubcommand: List.self)

        struct Add: ParsableCommand {
            @OptionGroup var options: ServerDatabaseOptions
            @Option(help: "The workspace this token grants.") var workspace: String
            @Option(help: "Who or what holds it, e.g. dana-laptop.") var label: String
            func run() throws {
                let store = try options.open()
                let (id, secret) = TokenSecrets.generate()
                let info = try cli { try store.addToken(id: id, workspace: workspace, label: label, secretHash: TokenSecrets.hash(secret)) }
                if options.json { printJSON(["id": info.id, "workspace": info.workspace, "label": info.label, "token": secret]); return }
                print("Token \(info.id) for workspace \(info.workspace) (\(info.label)). Shown once, store it now:")
                print(secret)
            }
        }

        struct List: ParsableCommand {
            @OptionGroup var options: ServerDatabaseOptions
            @Option(help: "Only this workspace's tokens.") var workspace: String?
            func run() throws {
                let store = try options.open()
                let tokens = try cli { try store.tokens(workspace: workspace) }
                if options.json {
                    printJSON(tokens.map { ["id": $0.id, "workspace": $0.workspace, "label": $0.label, "revoked": $0.isRevoked] })
                    return
                }
                printTable(["ID", "WORKSPACE", "LABEL", "CREATED", "REVOKED"], tokens.map {
                    [$0.id, $0.workspace, $0.label, Format.day($0.createdAt), $0.revokedAt.map(Format.day) ?? "—"]
                })
            }
        }

        struct Revoke: ParsableCommand {
            @OptionGroup var options: ServerDatabaseOptions
            @Argument(help: "Token id (see `rapport server token list`).") var id: String
            func run() throws {
                let store = try options.open()
                let info = try cli { try store.revokeToken(id: id) }
                if options.json { printJSON(["id": info.id, "revoked": true]) } else { print("Token \(info.id) revoked; its next request gets 401.") }
            }
        }
    }
}

/// A dump's counts for a person: `1 workspace, 2 tokens, 5 records, 1 conflict`.
private func summaryLine(_ summary: ServerDumpSummary) -> String {
    func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
    return [count(summary.workspaces, "workspace"), count(summary.tokens, "token"), count(summary.records, "record"),
            count(summary.conflicts, "conflict")].joined(separator: ", ")
}

private func dumpJSON(_ summary: ServerDumpSummary, epoch: String, dump: String, database: String) -> [String: Any] {
    ["workspaces": summary.workspaces, "tokens": summary.tokens, "records": summary.records, "conflicts": summary.conflicts,
     "pushCommits": summary.pushCommits, "epoch": epoch, "dump": dump, "database": database]
}

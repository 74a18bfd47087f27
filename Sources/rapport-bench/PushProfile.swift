import ArgumentParser
import Foundation
import RapportMerge
import RapportModel
import RapportProtocol
import RapportServerCore
import RapportPostgres
import RapportStore

/// Where one push batch's time goes, step by step, in one process (no HTTP): read the outbox,
/// encode, read the body on the server, merge and commit, answer, acknowledge.
struct PushProfile: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push-profile", abstract: "Time each step of pushing N records in batches, without HTTP.")

    @Option var records = 50_000
    @Option var batch = 500
    @Option(help: "Serve from this PostgreSQL database (a schema of its own) instead of a SQLite file.") var postgres: String?

    func run() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server: any ServerDatabase = try postgres.map {
            try PostgresStore.open(url: $0 + ($0.contains("?") ? "&" : "?") + "schema=profile_" + String(UInt32.random(in: .min ... .max), radix: 16))
        } ?? ServerStore.open(at: directory.appendingPathComponent("server.db").path, create: true)
        defer { if let database = server as? PostgresStore { try? database.dropSchema() } }
        _ = try server.addWorkspace("w")
        let service = SyncService(storage: server)
        let a = try Store.create(at: directory.appendingPathComponent("a.db").path, name: "a", identity: .none)
        var written = 0
        while written < records {
            let end = min(records, written + 10_000)
            try a.batch { b in for i in written..<end { try b.create(Account(id: "acct-\(i)", name: "Account \(i)", segment: "smb", arr: Double(i), owner: "csm")) } }
            written = end
        }
        let replica = try a.info().replicaID
        let envelope = WireCoding.pushEnvelope(replica: replica)
        var read = 0.0, encode = 0.0, serve = 0.0, decodeAnswer = 0.0, ack = 0.0
        var after: Int64 = 0
        while true {
            var fresh: [PendingChange] = []
            read += time { fresh = (try? a.pendingChanges(limit: batch, after: after)) ?? [] }
            guard let last = fresh.last else { break }
            after = last.token.change
            var body: [UInt8] = []
            encode += time {
                body = envelope.prefix
                for (i, change) in fresh.enumerated() {
                    if i > 0 { body.append(UInt8(ascii: ",")) }
                    WireCoding.append(change.version, to: &body)
                }
                body += envelope.suffix
            }
            var answer: [UInt8] = []
            serve += try time { answer = WireCoding.encode(try service.push(workspace: "w", body: body, limit: 1 << 30).response) }
            var response: PushResponse?
            decodeAnswer += try time { response = try WireCoding.decodePushResponse(answer) }
            let tokens = fresh.map(\.token)
            ack += try time { _ = try a.acknowledge(tokens, workspace: "w") }
            _ = response
        }
        let n = Double(records)
        let pushTimes = (server as? PostgresStore)?.statementTimes() ?? [:]
        // Then the whole feed pulled back in pages of 1,000, with the page bodies written.
        var since: FeedPosition = .start
        var pulled = 0
        let pull = try time {
            while true {
                let page = try server.changes(workspace: "w", since: since, limit: 1_000)
                _ = try SyncService.changesBody(page)
                pulled += page.entries.count
                since = page.next
                if !page.hasMore { break }
            }
        }
        guard pulled == records else { throw BenchError("pulled \(pulled) of \(records)") }
        printFigures([("server_pull_us", pull / n * 1e6)], json: false)
        if let database = server as? PostgresStore {
            for (statement, seconds) in database.statementTimes() where seconds - (pushTimes[statement] ?? 0) > 0.0001 && pushTimes[statement] == nil || (pushTimes[statement].map { seconds - $0 > 0.001 } ?? false) {
                print(String(format: "  pull %8.2f µs/record  %@", (seconds - (pushTimes[statement] ?? 0)) / n * 1e6, statement))
            }
        }
        printFigures([
            ("read_outbox_us", read / n * 1e6), ("encode_us", encode / n * 1e6), ("server_push_us", serve / n * 1e6),
            ("decode_answer_us", decodeAnswer / n * 1e6), ("acknowledge_us", ack / n * 1e6),
            ("total_us", (read + encode + serve + decodeAnswer + ack) / n * 1e6),
        ], json: false)
        if let database = server as? PostgresStore {
            for (statement, seconds) in pushTimes.sorted(by: { $0.value > $1.value }) where seconds / n * 1e6 > 0.05 {
                print(String(format: "  push %8.2f µs/record  %@", seconds / n * 1e6, statement))
            }
        }
    }
}

import Foundation
import RapportMerge
import RapportModel
import RapportServerCore
import RapportStore
import Testing

/// Crash safety of sync under `kill -9` (issue 6): the real `rapport sync` and `rapport serve`
/// processes are killed with SIGKILL at random instants, everything is restarted on the same
/// files, and then:
///
/// - every file opens and passes `PRAGMA integrity_check`;
/// - no local record changed and no acknowledged write is lost: a change that left the client's
///   outbox is on the server, exactly that version;
/// - a pull's cursor is never ahead of its data: the replica holds exactly the feed up to it;
/// - one more sync exits 0 and a second replica that syncs holds exactly the same versions.
///
/// Scenarios: A, the client killed while it pushes (or pulls back) a large outbox; B, a fresh
/// client killed while it pulls a large feed; C, the server killed while a client pushes to it.
/// Batch writes and page applies killed mid-transaction are `RapportStoreTests/CrashTests`.
///
/// **Kill points.** An uninterrupted reference run of the same sync is watched through a `Probe`
/// (the server's feed position for a push, the replica's cursor for a pull), which cuts it into
/// steps: process start to the first commit, commit to commit, last commit to exit. A trial picks
/// a step at random, waits until the probe shows the sync got there, then sleeps a random part of
/// that step's reference length and kills. So kills land inside the work on a loaded machine as
/// on an idle one; each scenario prints how they fell.
///
/// `RAPPORT_KILL_TRIALS` sets the trials per scenario (default 3), `RAPPORT_KILL_SEED` the seed
/// (default random; it is printed and in every failure message; process timing varies, so a seed
/// replays the chosen steps and delays, not the exact instructions hit), `RAPPORT_KILL_RECORDS`
/// the outbox and feed size (default 2000, four push batches or pulled pages).
///
///     RAPPORT_KILL_TRIALS=50 swift test --filter KillTests
@Suite("kill -9 during sync", .serialized)
struct KillTests {
    static let environment = ProcessInfo.processInfo.environment
    static let trials = max(1, Int(environment["RAPPORT_KILL_TRIALS"] ?? "") ?? 3)
    static let seed = UInt64(environment["RAPPORT_KILL_SEED"] ?? "") ?? UInt64.random(in: 1...999_999)
    static let records = max(100, Int(environment["RAPPORT_KILL_RECORDS"] ?? "") ?? 2_000)

    // MARK: scenarios

    @Test("A: the client killed while it syncs a large outbox loses nothing and finishes on the next sync")
    func clientKilledDuringPush() throws {
        var rng = SplitMix64(seed: Self.seed ^ 0xA)
        let fixture = try Fixture()
        defer { fixture.remove() }
        let timeline = try fixture.referenceTimeline()
        var tally = Tally()
        for trial in 0..<Self.trials {
            let point = timeline.pick(using: &rng)
            let context = "seed \(Self.seed), A trial \(trial), client killed \(point)"
            try CLITests.withDirectory { dir in
                try fixture.copy(into: dir)
                var server = try Server(dir)
                defer { server.stop() }
                let client = try Child(["sync", "--db", "a.db"], in: dir, env: server.env(fixture.token))
                let killed = point.wait(client, probe: try Probe.feed(dir)) && client.kill()

                let state = try Check.afterClientKill(dir, original: fixture.versions, context: context)
                tally.count(killed ? state.phase : "finished before the kill")
                tally.stored += state.storedUnacknowledged

                try server.recover(dir, original: fixture.versions, token: fixture.token, context: context)
            }
        }
        tally.report("A (client killed during push/pull)", timeline: timeline)
    }

    @Test("B: a fresh client killed while it pulls a large feed keeps its cursor behind its data and catches up")
    func clientKilledDuringPull() throws {
        var rng = SplitMix64(seed: Self.seed ^ 0xB)
        let fixture = try Fixture()
        defer { fixture.remove() }
        try CLITests.withDirectory { dir in
            try fixture.copy(into: dir)
            let server = try Server(dir)
            defer { server.stop() }
            let env = server.env(fixture.token)
            // The feed: every record, then a tenth of them edited again so they move to later sequences.
            try #require(CLITests.rapport(["sync", "--db", "a.db"], in: dir, env: env).status == 0)
            try Fixture.editSome(at: dir.appendingPathComponent("a.db").path, every: 10)
            try #require(CLITests.rapport(["sync", "--db", "a.db"], in: dir, env: env).status == 0)
            let feed = try Check.feed(dir.appendingPathComponent("server.db").path)
            let latest = feed.map(\.sequence).max() ?? 0
            let expected = try Store.open(at: dir.appendingPathComponent("a.db").path).allVersions()
            #expect(feed.map(\.version).sorted(by: Check.order) == expected, "seed \(Self.seed): the server's feed differs from the pushing replica")

            try #require(CLITests.rapport(["init", "--db", "ref.db"], in: dir).status == 0)
            let reference = try Child(["sync", "--db", "ref.db"], in: dir, env: env)
            let timeline = Timeline(watching: reference, probe: try Probe.cursor(dir.appendingPathComponent("ref.db").path))
            try #require(reference.wait(timeout: 120).status == 0, "seed \(Self.seed): the reference pull failed")

            var tally = Tally()
            for trial in 0..<Self.trials {
                let point = timeline.pick(using: &rng)
                let context = "seed \(Self.seed), B trial \(trial), client killed \(point)"
                let name = "b\(trial).db"
                let path = dir.appendingPathComponent(name).path
                try #require(CLITests.rapport(["init", "--db", name], in: dir).status == 0, "\(context)")
                let client = try Child(["sync", "--db", name], in: dir, env: env)
                let killed = point.wait(client, probe: try Probe.cursor(path)) && client.kill()

                #expect(try Check.integrity(path) == "ok", "\(context)")
                let sequence: Int64
                do {
                    let store = try Store.open(at: path)
                    sequence = try Check.sequence(of: store.info().cursor)
                    let held = try store.allVersions()
                    let owed = feed.filter { $0.sequence <= sequence }.map(\.version).sorted(by: Check.order)
                    #expect(held == owed, "\(context): cursor at \(sequence) but the replica holds \(held.count) records where the feed up to it has \(owed.count)")
                }
                tally.count(!killed ? "finished before the kill" : sequence == 0 ? "before the first page" : sequence < latest ? "mid-pull" : "after the last page")

                let again = try CLITests.rapport(["sync", "--db", name], in: dir, env: env)
                #expect(again.status == 0, "\(context): the next sync failed: \(again.err)")
                #expect(try Store.open(at: path).allVersions() == expected, "\(context): did not converge")
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            tally.report("B (client killed during pull)", timeline: timeline)
        }
    }

    @Test("C: the server killed while a client pushes keeps every acknowledged write; both recover")
    func serverKilledDuringPush() throws {
        var rng = SplitMix64(seed: Self.seed ^ 0xC)
        let fixture = try Fixture()
        defer { fixture.remove() }
        let timeline = try fixture.referenceTimeline()
        var tally = Tally()
        for trial in 0..<Self.trials {
            let point = timeline.pick(using: &rng)
            let context = "seed \(Self.seed), C trial \(trial), server killed \(point)"
            try CLITests.withDirectory { dir in
                try fixture.copy(into: dir)
                var server = try Server(dir)
                defer { server.stop() }
                let client = try Child(["sync", "--db", "a.db"], in: dir, env: server.env(fixture.token))
                let clientWasRunning = point.wait(client, probe: try Probe.feed(dir))
                server.kill()
                let result = client.wait(timeout: 60)
                #expect(result.exited, "\(context): the client did not give up after the server died")
                if result.status != 0 {
                    let last = result.err.split(separator: "\n").last.map(String.init) ?? ""
                    #expect(last.hasPrefix("Error: ") && last.contains(server.url), "\(context): unclear message: \(result.err)")
                    #expect(!result.err.contains("Fatal error"), "\(context): \(result.err)")
                    tally.example = tally.example ?? last
                    tally.failedClients += 1
                } else {
                    #expect(try Store.open(at: dir.appendingPathComponent("a.db").path).info().pendingChanges == 0, "\(context): exit 0 with changes pending")
                }

                #expect(try Check.integrity(dir.appendingPathComponent("server.db").path) == "ok", "\(context): server file damaged")
                let state = try Check.afterClientKill(dir, original: fixture.versions, context: context)
                let stored = try Check.feed(dir.appendingPathComponent("server.db").path).count
                tally.count(!clientWasRunning ? "sync finished before the kill"
                            : stored == 0 ? "before the first stored batch"
                            : stored < fixture.versions.count ? "mid-push"
                            : state.phase == "mid-push" ? "server stored all, client had not acknowledged all" : "after the push")
                tally.client[state.phase, default: 0] += 1
                tally.stored += state.storedUnacknowledged

                try server.recover(dir, original: fixture.versions, token: fixture.token, context: context)
            }
        }
        tally.report("C (server killed during push)", timeline: timeline)
    }

    // MARK: fixture

    /// A server file with workspace `team` and a token, and a replica with `records` accounts all
    /// pending (a few deleted, a tenth edited again), made once and copied into each trial.
    struct Fixture {
        let directory: URL
        let token: String
        let versions: [RecordVersion]

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-kill-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try #require(CLITests.rapport(["server", "workspace", "add", "team", "--db", "server.db"], in: directory).status == 0)
            let added = try CLITests.rapport(["server", "token", "add", "--workspace", "team", "--label", "kill", "--db", "server.db", "--json"], in: directory)
            token = try #require((try JSONSerialization.jsonObject(with: Data(added.out.utf8)) as? [String: Any])?["token"] as? String)
            let path = directory.appendingPathComponent("a.db").path
            do {
                let store = try Store.create(at: path, name: "a")
                try store.accounts.createAll((0..<KillTests.records).map {
                    Account(id: "acct-\($0)", name: "Account \($0)", segment: ["smb", "mid", "enterprise"][$0 % 3], arr: Double($0 * 100), owner: "csm-\($0 % 7)")
                })
                try store.batch { batch in
                    for i in stride(from: 5, to: KillTests.records, by: 50) { try batch.delete(Account.self, id: "acct-\(i)") }
                }
            }
            try Self.editSome(at: path, every: 10)
            versions = try Store.open(at: path).allVersions()
        }

        /// Edits the owner of every `every`-th account in one transaction.
        static func editSome(at path: String, every: Int) throws {
            let store = try Store.open(at: path)
            let accounts = try store.accounts.list()
            try store.batch { batch in
                for account in accounts.enumerated().filter({ $0.offset % every == 0 }).map(\.element) {
                    var edited = account
                    edited.owner += "+"
                    try batch.update(edited)
                }
            }
        }

        func copy(into dir: URL) throws {
            for name in ["server.db", "a.db"] {
                try FileManager.default.copyItem(at: directory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
            }
        }

        /// The steps of an uninterrupted `rapport sync` of the whole outbox, watched on the
        /// server's feed; the run is then checked to converge like every trial.
        func referenceTimeline() throws -> Timeline {
            var timeline: Timeline?
            try CLITests.withDirectory { dir in
                try copy(into: dir)
                var server = try Server(dir)
                defer { server.stop() }
                let reference = try Child(["sync", "--db", "a.db"], in: dir, env: server.env(token))
                timeline = Timeline(watching: reference, probe: try Probe.feed(dir))
                let result = reference.wait(timeout: 120)
                try #require(result.status == 0, "seed \(KillTests.seed): the reference sync failed: \(result.err)")
                try server.recover(dir, original: versions, token: token, context: "seed \(KillTests.seed), reference run")
            }
            return try #require(timeline)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: processes

    /// `rapport serve` on server.db in a trial directory.
    struct Server {
        var process: Process
        var url: String

        init(_ dir: URL) throws { (process, url) = try CLITests.serve(dir) }

        func env(_ token: String) -> [String: String] { ["RAPPORT_SERVER": url, "RAPPORT_WORKSPACE": "team", "RAPPORT_TOKEN": token] }

        func kill() {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        /// Restarts on the same file if needed, syncs `a.db` again and a fresh `b.db`, and checks
        /// that the server and both replicas hold exactly the original versions.
        mutating func recover(_ dir: URL, original: [RecordVersion], token: String, context: String) throws {
            if !process.isRunning { self = try Server(dir) }
            let env = env(token)
            let again = try CLITests.rapport(["sync", "--db", "a.db", "--json"], in: dir, env: env)
            #expect(again.status == 0, "\(context): the next sync failed: \(again.err)")
            #expect(again.out.contains("\"fullResync\" : false"), "\(context): a restarted server looked like a new one: \(again.out)")
            try #require(CLITests.rapport(["init", "--db", "b.db", "--name", "b"], in: dir).status == 0)
            let fresh = try CLITests.rapport(["sync", "--db", "b.db"], in: dir, env: env)
            #expect(fresh.status == 0, "\(context): a second replica could not sync: \(fresh.err)")
            let a = try Store.open(at: dir.appendingPathComponent("a.db").path)
            #expect(try a.info().pendingChanges == 0, "\(context): changes still pending after a clean sync")
            #expect(try a.allVersions() == original, "\(context): the replica's records changed")
            #expect(try Store.open(at: dir.appendingPathComponent("b.db").path).allVersions() == original, "\(context): the second replica did not converge")
            #expect(try Check.feed(dir.appendingPathComponent("server.db").path).map(\.version).sorted(by: Check.order) == original,
                    "\(context): the server did not converge")
        }
    }

    /// A `rapport` process running in the background, its output in files.
    struct Child {
        let process = Process()
        let out: URL
        let err: URL

        init(_ arguments: [String], in dir: URL, env: [String: String]) throws {
            process.executableURL = try CLITests.binary()
            process.arguments = arguments
            process.currentDirectoryURL = dir
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RAPPORT_") }.merging(env) { $1 }
            let tag = UUID().uuidString.prefix(8)
            out = dir.appendingPathComponent("child-\(tag).out")
            err = dir.appendingPathComponent("child-\(tag).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        /// SIGKILLs the process; returns whether the signal killed it (false: it had finished).
        func kill() -> Bool {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal
        }

        /// Waits up to `timeout` seconds for the process to exit by itself (then kills it).
        func wait(timeout: Double) -> (exited: Bool, status: Int32, err: String) {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            let exited = !process.isRunning
            if !exited { Foundation.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            return (exited && process.terminationReason == .exit, process.terminationStatus, text)
        }
    }

    // MARK: checks

    enum Check {
        static func order(_ a: RecordVersion, _ b: RecordVersion) -> Bool { (a.entity, a.id) < (b.entity, b.id) }

        static func integrity(_ path: String) throws -> String {
            let db = try Database(path: path, create: false)
            defer { db.close() }
            let statement = try db.prepare("PRAGMA integrity_check")
            _ = try statement.step()
            return statement.string(0) ?? ""
        }

        /// The sequence of a cursor's text form `<epoch>:<sequence>[:<tag>]` (0 for the start).
        static func sequence(of cursor: String) throws -> Int64 {
            if cursor.isEmpty { return 0 }
            let parts = cursor.split(separator: ":")
            return try #require(parts.count >= 2 ? Int64(parts[1]) : nil, "cursor \(cursor)")
        }

        /// Workspace `team`'s feed as stored: every record's merged version at its sequence.
        static func feed(_ path: String) throws -> [(sequence: Int64, version: RecordVersion)] {
            let server = try ServerStore.open(at: path)
            var entries: [(Int64, RecordVersion)] = []
            var after: Int64 = 0
            while true {
                let page = try server.changes(workspace: "team", after: after, limit: 1_000)
                for entry in page.entries {
                    entries.append((entry.sequence, try JSONDecoder().decode(RecordVersion.self, from: Data(entry.json.utf8))))
                }
                guard page.hasMore, let last = page.entries.last?.sequence else { return entries }
                after = last
            }
        }

        struct ClientState {
            /// Where the kill left the client: before any acknowledgement, mid-push, or past the push.
            let phase: String
            /// Versions the server stored whose acknowledgement the client never recorded (they go again, answered stale).
            let storedUnacknowledged: Int
        }

        /// After a client (or its server) died: the replica opens intact, holds exactly the
        /// original versions, and every version that left its outbox is on the server as is.
        static func afterClientKill(_ dir: URL, original: [RecordVersion], context: String) throws -> ClientState {
            let path = dir.appendingPathComponent("a.db").path
            #expect(try integrity(path) == "ok", "\(context): replica file damaged")
            let store = try Store.open(at: path)
            #expect(try store.allVersions() == original, "\(context): the replica's records changed")
            let pending = Set(try store.pendingChanges(limit: Int(Int32.max)).map { "\($0.token.entity)/\($0.token.id)" })
            let onServer = Dictionary(try feed(dir.appendingPathComponent("server.db").path).map { ("\($0.version.entity)/\($0.version.id)", $0.version) },
                                      uniquingKeysWith: { $1 })
            var lost: [String] = [], changed: [String] = []
            var byKey: [String: RecordVersion] = [:]
            for version in original {
                let key = "\(version.entity)/\(version.id)"
                byKey[key] = version
                if !pending.contains(key), onServer[key] != version { lost.append(key) }
            }
            for (key, version) in onServer where byKey[key] != version { changed.append(key) }
            #expect(lost.isEmpty, "\(context): \(lost.count) acknowledged versions are not on the server, e.g. \(lost.prefix(3))")
            #expect(changed.isEmpty, "\(context): the server holds \(changed.count) versions the client never wrote, e.g. \(changed.prefix(3))")
            let phase = pending.count == original.count ? "before the first acknowledgement"
                : !pending.isEmpty ? "mid-push"
                : "after the push (pulling or done)"
            return ClientState(phase: phase, storedUnacknowledged: pending.filter { onServer[$0] != nil }.count)
        }
    }

    /// How far a sync has got, read from a file another process is writing: the server's feed
    /// position (a push) or a replica's cursor (a pull). One short read on its own connection.
    final class Probe {
        private var db: Database?
        private let sql: String

        private init(_ path: String, sql: String) throws {
            db = try Database(path: path, create: false)
            self.sql = sql
        }

        static func feed(_ dir: URL) throws -> Probe {
            try Probe(dir.appendingPathComponent("server.db").path, sql: "SELECT next_sequence - 1 FROM workspace WHERE name = 'team'")
        }

        static func cursor(_ path: String) throws -> Probe {
            try Probe(path, sql: "SELECT CASE cursor WHEN '' THEN 0 ELSE CAST(substr(cursor, instr(cursor, ':') + 1) AS INTEGER) END FROM _replica")
        }

        /// The current value, or nil while the file is busy.
        func value() -> Int64? {
            guard let db, let statement = try? db.prepare(sql), (try? statement.step()) == true else { return nil }
            return statement.int64(0)
        }

        /// Lets go of the file, so the killed process is its last user and the next open recovers it.
        func close() {
            db?.close()
            db = nil
        }

        deinit { close() }
    }

    /// The steps of a reference run as a `Probe` saw them: the values it went through, with the
    /// seconds since the process started; the last step ends when the process exits.
    struct Timeline: CustomStringConvertible {
        var levels: [Int64] = []
        var starts: [Double] = []
        var end = 0.0

        init(watching child: Child, probe: Probe) {
            let started = Date()
            levels = [Int64.min]
            starts = [0]
            while child.process.isRunning {
                if let value = probe.value(), value > max(0, levels.last ?? 0) {
                    levels.append(value)
                    starts.append(Date().timeIntervalSince(started))
                }
                Thread.sleep(forTimeInterval: 0.002)
            }
            end = Date().timeIntervalSince(started)
            probe.close()
        }

        /// A step chosen uniformly, and an instant inside it (its reference length, plus a tenth).
        func pick(using rng: inout SplitMix64) -> KillPoint {
            let step = Int.random(in: 0..<levels.count, using: &rng)
            let length = (step + 1 < starts.count ? starts[step + 1] : end) - starts[step]
            return KillPoint(step: step, level: levels[step], delay: Double.random(in: 0...(max(0.001, length) * 1.1), using: &rng))
        }

        var description: String {
            let marks = zip(levels.dropFirst(), starts.dropFirst()).map { "\($0.0)@\(String(format: "%.2f", $0.1))" }
            return "\(levels.count) steps (\((["start@0"] + marks + [String(format: "exit@%.2f", end)]).joined(separator: " ")) s)"
        }
    }

    struct KillPoint: CustomStringConvertible {
        let step: Int
        let level: Int64
        let delay: Double

        /// Waits until the probe reaches this step, lets it go, then sleeps the delay. Returns
        /// whether the child is still running (false: it finished first).
        func wait(_ child: Child, probe: Probe) -> Bool {
            let deadline = Date().addingTimeInterval(120)
            while child.process.isRunning, Date() < deadline, (probe.value() ?? Int64.min) < level {
                Thread.sleep(forTimeInterval: 0.002)
            }
            probe.close()
            Thread.sleep(forTimeInterval: delay)
            return child.process.isRunning
        }

        var description: String {
            step == 0 ? "\(Int(delay * 1000)) ms after start" : "\(Int(delay * 1000)) ms after the probe reached \(level) (step \(step))"
        }
    }

    /// How the kills fell, printed per scenario (the figures of the issue's 50-trial run).
    struct Tally {
        var phases: [String: Int] = [:]
        var trials = 0
        var stored = 0
        var failedClients = 0
        var example: String?
        /// Where the client stood (scenario C, where the server is the one killed).
        var client: [String: Int] = [:]

        mutating func count(_ phase: String) {
            phases[phase, default: 0] += 1
            trials += 1
        }

        func report(_ scenario: String, timeline: Timeline) {
            func list(_ counts: [String: Int]) -> String { counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") }
            print("KillTests \(scenario): \(trials) trials, seed \(KillTests.seed), \(KillTests.records) records, reference \(timeline): "
                  + list(phases) + (client.isEmpty ? "" : "; client: " + list(client))
                  + "; \(stored) versions stored but unacknowledged at the kill (re-sent); \(failedClients) clients exited non-zero"
                  + (example.map { ", e.g. \"\($0)\"" } ?? ""))
        }
    }
}

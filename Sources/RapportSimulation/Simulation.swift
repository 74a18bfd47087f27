import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportServerCore
import RapportPostgres
import RapportStore

/// Runs random edits on several replicas and random partial syncs: the real `SyncSession` against
/// the real `SyncService` through an `InProcessTransport`, with a `FaultyTransport` in between that
/// loses requests and answers, delivers twice and cuts syncs short; with skewed clocks, crashes, a
/// replica restored from an old copy of its file, a server restored from an old copy of its
/// database, clocks that jump 72 h ahead and back, stale edit screens, conflict resolutions and
/// records created on several devices under one natural key. Then it syncs everyone and checks
/// that every replica equals the server and that no write vanished unaccounted for.
///
/// "Accounted for" means: the write is in the final state, or a later-stamped write replaced it and
/// either that replacement was made by a replica that had seen it, or the overwritten value is in
/// some replica's conflict journal (or the same value lives on in such a write).
public struct Simulation {
    public let options: SimulationOptions

    public init(options: SimulationOptions) { self.options = options }

    private struct Replica {
        var name: String
        var path: String
        var store: Store
        var clock: WallClock
        /// Hours this device's clock is set wrong by, for a clock that jumps ahead and back.
        let jump: ClockJump
        /// Accounts as an edit screen showed them some ops ago: saved later against that base.
        var screens: [String: Account] = [:]
    }

    /// An extra offset on a replica's wall clock that the schedule can change.
    final class ClockJump: @unchecked Sendable {
        private let lock = NSLock()
        private var seconds: TimeInterval = 0
        var offset: TimeInterval {
            get { lock.lock(); defer { lock.unlock() }; return seconds }
            set { lock.lock(); seconds = newValue; lock.unlock() }
        }
    }

    /// One observed local write of one field.
    private struct Write {
        let entity: String, id: String, field: String
        let written: Stamped<FieldValue>
        let writerClock: VectorClock
        let replica: Int
        var lostToRestore = false
        /// Made by a restored replica before it learned (at its first pull) that it was restored.
        var inRestoreWindow = false
        /// Made while the device clock was far ahead: re-stamped when the clock recovers.
        var underWrongClock = false
    }

    public func run() async throws -> SimulationReport {
        let started = Date()
        var rng = SplitMix64(seed: options.seed)
        var report = SimulationReport()
        report.seed = options.seed
        let fm = FileManager.default
        let directory = options.directory ?? fm.temporaryDirectory.appendingPathComponent("rapport-sim-\(options.seed)-\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if options.directory == nil { try? fm.removeItem(at: directory) } }

        let serverPath = directory.appendingPathComponent("server.db").path
        let schema = "sim_\(options.seed)_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        func openPostgres(_ url: String) throws -> PostgresStore {
            try PostgresStore.open(url: url + (url.contains("?") ? "&" : "?") + "schema=\(schema)", maximumConnections: 2)
        }
        var server: any ServerDatabase = try options.postgresURL.map(openPostgres) ?? ServerStore.open(at: serverPath, create: true)
        defer { if let store = server as? PostgresStore { try? store.dropSchema() } }
        let workspace = "sim"
        _ = try server.addWorkspace(workspace)
        let (tokenID, secret) = TokenSecrets.generate()
        _ = try server.addToken(id: tokenID, workspace: workspace, label: "simulation", secretHash: TokenSecrets.hash(secret))
        var serverBackup: String?

        // Simulated time: every device clock reads the same start plus one millisecond per
        // operation (plus its skew), so a seed replays the same stamps however loaded the machine
        // is. Servers still check drift against real time, which stays within a second of it.
        let origin = Date()
        let elapsed = ClockJump()
        // Device-only identity markers (see `DeviceIdentity`), kept with the schedule's files.
        let identity = DeviceIdentity.directory(directory.appendingPathComponent("device"))
        var replicas: [Replica] = try (0..<max(2, options.replicas)).map { index in
            let skew = options.skewMillis > 0 ? Double(Int64.random(in: -options.skewMillis...options.skewMillis, using: &rng)) / 1000 : 0
            let jump = ClockJump()
            let clock = WallClock { origin.addingTimeInterval(elapsed.offset + skew + jump.offset) }
            let path = directory.appendingPathComponent("replica-\(index).db").path
            return Replica(name: "r\(index)", path: path, store: try Store.create(at: path, name: "r\(index)", wallClock: clock, identity: identity),
                           clock: clock, jump: jump)
        }
        var writes: [Write] = []
        // Ids each replica holds, refreshed after its pulls: edits pick among these, as a person edits what they see.
        var accountIDs = Array(repeating: [String](), count: max(2, options.replicas))
        var assessmentIDs = Array(repeating: [String](), count: max(2, options.replicas))
        var heldKeys = Array(repeating: Set<String>(), count: max(2, options.replicas))
        var seenChange = Array(repeating: Int64(0), count: max(2, options.replicas))
        var backup: (replica: Int, path: String, writesBefore: Int)?
        var restoreWindow: Int?  // the restored replica, until it re-identifies
        var journaledBeforeRestore = Set<Stamp>()  // entries the restore rolled back were journaled once
        let restoreAt = options.restoreFromBackup || options.restoreServer ? options.ops * 2 / 3 : -1
        let backupAt = options.restoreFromBackup || options.restoreServer ? options.ops / 3 : -1

        let debug = ProcessInfo.processInfo.environment["RAPPORT_SIM_DEBUG"] != nil
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

        func record(_ r: Int, entity: String, id: String, changed: [String]) throws {
            guard let version = try replicas[r].store.version(entity: entity, id: id) else { return }
            if debug { print("  op write r\(r) \(entity) \(id) \(changed) clock-offset \(replicas[r].jump.offset) id \(try replicas[r].store.info().replicaID)", changed.compactMap { version.fields[$0]?.stamp.description }) }
            for field in changed { if let stamped = version.fields[field] {
                writes.append(Write(entity: entity, id: id, field: field, written: stamped, writerClock: version.clock, replica: r,
                                    inRestoreWindow: restoreWindow == r, underWrongClock: replicas[r].jump.offset != 0))
            } }
            report.writes += changed.count
        }

        /// After a replica healed its clock, its writes made under the wrong clock carry new stamps.
        func remapRestamped(_ r: Int) throws {
            for i in writes.indices where writes[i].replica == r && writes[i].underWrongClock {
                guard let version = try replicas[r].store.version(entity: writes[i].entity, id: writes[i].id),
                      let field = version.fields[writes[i].field] else { continue }
                if field.stamp.replica != writes[i].written.stamp.replica, field.value == writes[i].written.value,
                   field.stamp < writes[i].written.stamp {
                    writes[i] = Write(entity: writes[i].entity, id: writes[i].id, field: writes[i].field, written: field,
                                      writerClock: version.clock, replica: r, inRestoreWindow: writes[i].inRestoreWindow)
                }
                writes[i].underWrongClock = false
            }
        }

        /// One sync of replica `r` by the real client; a partial one is cut short and may lose
        /// requests or answers on the way, and may crash the app before it could finish.
        func sync(_ r: Int, full: Bool) async throws {
            report.syncs += 1
            let before = try replicas[r].store.info().replicaID
            var syncOptions = SyncOptions(maxBatchCount: full ? 500 : Int.random(in: 1...30, using: &rng),
                                          pageSize: full ? 500 : Int.random(in: 1...40, using: &rng),
                                          retry: RetryPolicy(attempts: 1, baseDelay: 0, maxDelay: 0))
            syncOptions.wait = 0
            syncOptions.pipelineDepth = options.pipelineDepth
            let transport = FaultyTransport(InProcessTransport(service: SyncService(storage: server), token: secret), seed: rng.next(),
                                            drop: full ? 0 : options.drop, duplicate: full ? 0 : options.duplicate,
                                            budget: full ? nil : Int.random(in: 1...4, using: &rng))
            let session = SyncSession(store: replicas[r].store, transport: transport, workspace: workspace, options: syncOptions)
            do {
                let result = try await session.sync()
                report.fullResyncs += result.fullResync ? 1 : 0
                if debug { print("  sync r\(r) full=\(full) pushed \(result.pushed) pulled \(result.pulled) resync \(result.fullResync) cursor \(result.cursor)") }
            } catch let error as SyncError where !full && error.code == .unreachable {
                if debug { print("  sync r\(r) cut: \(error.message.prefix(80)) check \(String(describing: try replicas[r].store.pushCheck())) pending \(try replicas[r].store.info().pendingChanges)") }
                if chance(options.crash) {
                    report.crashes += 1
                    replicas[r].store = try Store.open(at: replicas[r].path, wallClock: replicas[r].clock, identity: identity)
                }
            }
            let faults = transport.faults
            report.dropped += faults.dropped + faults.answersLost
            report.duplicated += faults.duplicated
            report.reordered += faults.reordered
            if restoreWindow == r, try replicas[r].store.info().replicaID != before { restoreWindow = nil }
            // The ids this replica now holds, from the rows its syncs changed (edits pick among them).
            let changed = try replicas[r].store.exportChanges(since: seenChange[r])
            seenChange[r] = changed.nextSince
            for version in changed.versions where !heldKeys[r].contains("\(version.entity)/\(version.id)") {
                heldKeys[r].insert("\(version.entity)/\(version.id)")
                if version.entity == "account" { accountIDs[r].append(version.id) }
                if version.entity == "assessment" { assessmentIDs[r].append(version.id) }
            }
        }

        for op in 0..<options.ops {
            elapsed.offset = Double(op + 1) / 1000
            report.ops += 1
            if op == backupAt, options.restoreServer {
                let copy = directory.appendingPathComponent(options.postgresURL == nil ? "server-backup.db" : "server-backup.jsonl").path
                if let file = server as? ServerStore { try file.backup(to: copy) } else { try server.exportDump(toFile: copy) }
                serverBackup = copy
            }
            if op == restoreAt, let copy = serverBackup {
                report.serverRestores += 1
                if debug { print("  SERVER RESTORE at op \(op), epoch before \(server.epoch)") }
                if let url = options.postgresURL, let database = server as? PostgresStore {
                    // The database restored from a dump taken earlier: same epoch, shorter history.
                    try database.dropSchema()
                    server = try openPostgres(url)
                    try server.importDump(fromFile: copy)
                } else if options.seed / 4 % 2 == 0 {
                    // Copied back by hand while the server is stopped: same epoch, shorter history.
                    server.close()
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: serverPath + suffix) }
                    try FileManager.default.copyItem(atPath: copy, toPath: serverPath)
                    server = try ServerStore.open(at: serverPath)
                } else {
                    _ = try ServerStore.restore(from: copy, to: serverPath, replacingExisting: true)
                }
            }
            if op == backupAt, options.restoreFromBackup {
                let r = Int.random(in: 0..<replicas.count, using: &rng)
                let copy = directory.appendingPathComponent("backup-\(r).db").path
                try replicas[r].store.backup(to: copy)
                backup = (r, copy, writes.count)
            }
            if op == restoreAt, options.restoreFromBackup, let backup {
                let r = backup.replica
                report.restores += 1
                // Writes made after the backup that never reached the server are legitimately gone.
                let serverKnows = try Set(Self.allVersions(server, workspace).flatMap { v in v.fields.values.map(\.stamp) })
                for i in backup.writesBefore..<writes.count where writes[i].replica == r && !serverKnows.contains(writes[i].written.stamp) {
                    writes[i].lostToRestore = true
                }
                for entry in try replicas[r].store.conflicts(includeResolved: true) { journaledBeforeRestore.insert(entry.conflict.losingValue.stamp) }
                let idBefore = try replicas[r].store.info().replicaID
                replicas[r].store = try Store.open(at: backup.path, wallClock: replicas[r].clock, identity: identity)
                replicas[r].path = backup.path
                // The device marker makes the restored file take a fresh id on open; without it,
                // the file would write under the old id until its first pull.
                restoreWindow = try replicas[r].store.info().replicaID == idBefore ? r : nil
            }
            let r = Int.random(in: 0..<replicas.count, using: &rng)
            let store = replicas[r].store
            let dice = Double.random(in: 0..<1, using: &rng)
            // Pick among ids created anywhere; a replica that has not received one yet creates instead.
            let known = accountIDs[r].isEmpty ? nil : try store.accounts.get(id: pick(accountIDs[r]), includeDeleted: true)
            if dice < 0.15 || known == nil {
                let id = "acct-\(op)"
                try store.accounts.create(Account(id: id, name: "Account \(op)", segment: pick(["smb", "mid", "ent"]), arr: Double(op), owner: replicas[r].name))
                accountIDs[r].append(id)
                heldKeys[r].insert("account/\(id)")
                try record(r, entity: "account", id: id, changed: Account.schema.fields.map(\.name))
            } else if dice < 0.40, let current = known {
                // An edit screen: saved against what it showed, which may be from several ops ago.
                let base = chance(0.4) ? replicas[r].screens[current.id] ?? current : current
                if chance(0.5) { replicas[r].screens[current.id] = current }
                var account = base
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: account.name = "Account \(op)"
                case 1: account.segment = pick(["smb", "mid", "ent"])
                case 2: account.arr = Double(Int.random(in: 0...5, using: &rng)) * 1000
                default: account.owner = replicas[r].name
                }
                let wrongClock = chance(0.04)
                if wrongClock { replicas[r].jump.offset = 72 * 3600 }
                try record(r, entity: "account", id: account.id, changed: try store.accounts.update(account, from: base))
                if wrongClock {
                    report.clockJumps += 1
                    // The device syncs while its clock is wrong (the server refuses the write and
                    // it stays queued), then the clock is fixed and the replica heals.
                    try await sync(r, full: false)
                    replicas[r].jump.offset = 0
                    if try replicas[r].store.recoverClockIfNeeded() { report.clockRecoveries += 1 }
                    try remapRestamped(r)
                }
            } else if dice < 0.48, let account = known {
                let field = pick(["name", "owner"])
                try record(r, entity: "account", id: account.id, changed: try store.accounts.update(id: account.id) { stored in
                    if field == "name" { stored.name = "Account \(op) by \(replicas[r].name)" } else { stored.owner = replicas[r].name }
                })
            } else if dice < 0.52 {
                // A person settles one of this replica's open conflicts; a superseded one is refused.
                let open = try store.conflicts()
                if !open.isEmpty {
                    let entry = pick(open)
                    do {
                        try store.resolveConflict(entry.seq, choice: chance(0.5) ? .mine : .theirs)
                        report.resolutions += 1
                        if entry.conflict.field != "deleted", ["account", "assessment", "measurement"].contains(entry.conflict.entity) {
                            try record(r, entity: entry.conflict.entity, id: entry.conflict.id, changed: [entry.conflict.field])
                        }
                    } catch let error as StoreError where error.code == .conflict {
                        report.refusedResolutions += 1
                    }
                }
            } else if dice < 0.55 {
                // Devices record the same quarter's NPS offline: one record by its natural key.
                let period = try Period(pick(["2026-Q3", "2026-Q4"]))
                let measurement = RapportModel.Measurement(objectiveID: "obj:nps", period: period, value: Double(Int.random(in: 0...100, using: &rng)))
                let saved = try store.measurements.save(measurement)
                let changed: [String] = switch saved.outcome {
                case .created: RapportModel.Measurement.schema.fields.map(\.name)
                case .updated(let fields), .restored(let fields): fields
                }
                try record(r, entity: "measurement", id: saved.saved.id, changed: changed)
            } else if dice < 0.70, let account = known {
                let id = "as-\(op)"
                try store.assessments.create(Assessment(id: id, accountID: account.id, assessedAt: Date(timeIntervalSince1970: Double(1_764_000_000 + op)),
                                                        trust: pick([.high, .low]), respect: pick([.high, .low]), note: "op \(op)"))
                assessmentIDs[r].append(id)
                heldKeys[r].insert("assessment/\(id)")
                try record(r, entity: "assessment", id: id, changed: Assessment.schema.fields.map(\.name))
            } else if dice < 0.78 {
                if !assessmentIDs[r].isEmpty, let base = try store.assessments.get(id: pick(assessmentIDs[r]), includeDeleted: true) {
                    var assessment = base
                    assessment.trust = pick([.high, .low])
                    assessment.note = "edited at \(op) by \(replicas[r].name)"
                    try record(r, entity: "assessment", id: assessment.id, changed: try store.assessments.update(assessment, from: base))
                }
            } else if dice < 0.82, let account = known {
                _ = try store.accounts.delete(id: account.id)
            } else if dice < 0.85, let account = known {
                _ = try store.accounts.restore(id: account.id)
            } else {
                try await sync(r, full: false)
            }
        }

        // Everyone syncs until quiet: twice around, so each replica sees what the others pushed.
        for _ in 0..<2 { for r in replicas.indices { try await sync(r, full: true) } }

        if ProcessInfo.processInfo.environment["RAPPORT_SIM_DEBUG"] != nil {
            for replica in replicas {
                for rejection in try replica.store.rejections() { print("REJECTED on \(replica.name):", rejection.entity, rejection.id, rejection.reason, rejection.message) }
                let info = try replica.store.info()
                print("\(replica.name): pending \(info.pendingChanges), clock \(info.clock), id \(info.replicaID)")
            }
        }
        let serverVersions = try Self.allVersions(server, workspace)
        report.records = serverVersions.count
        let expected = Dictionary(uniqueKeysWithValues: serverVersions.map { ("\($0.entity)/\($0.id)", $0) })
        var journaledLosers = journaledBeforeRestore
        for replica in replicas {
            let held = try replica.store.allVersions()
            if report.divergence == nil {
                if held.count != expected.count {
                    report.divergence = "\(replica.name) holds \(held.count) records, the server \(expected.count)"
                } else if let differing = held.first(where: { expected["\($0.entity)/\($0.id)"] != $0 }) {
                    report.divergence = "\(replica.name) differs from the server on \(differing.entity) \(differing.id)"
                }
            }
            for entry in try replica.store.conflicts(includeResolved: true) {
                report.conflicts[entry.conflict.kind.rawValue, default: 0] += 1
                journaledLosers.insert(entry.conflict.losingValue.stamp)
            }
        }

        // The ledger check, per field, newest write first (see the type's doc comment).
        let byField = Dictionary(grouping: writes) { "\($0.entity)/\($0.id)/\($0.field)" }
        for (_, fieldWrites) in byField {
            let newestFirst = fieldWrites.sorted { $0.written.stamp > $1.written.stamp }
            var accounted: [Stamp: Bool] = [:]
            for (position, write) in newestFirst.enumerated() where !write.lostToRestore {
                guard let final = expected["\(write.entity)/\(write.id)"]?.fields[write.field] else {
                    report.lostWrites.append("\(write.entity) \(write.id) vanished from the server")
                    continue
                }
                if final.stamp == write.written.stamp { accounted[write.written.stamp] = true; continue }
                let later = newestFirst[..<position]
                let replacedKnowingly = later.contains { write.written.isSeen(by: $0.writerClock) }
                let valueLivesOn = later.contains { $0.written.value == write.written.value && accounted[$0.written.stamp] == true }
                // A restored replica reuses write numbers until its first pull re-identifies it; conflicts
                // with those writes can go undetected (see README, "Restoring a backup"). Convergence and
                // later-stamp-wins are still checked for them.
                let restoreBlind = write.inRestoreWindow || later.contains(where: \.inRestoreWindow)
                let ok = final.stamp > write.written.stamp && (replacedKnowingly || valueLivesOn || restoreBlind || journaledLosers.contains(write.written.stamp))
                accounted[write.written.stamp] = ok
                if !ok && ProcessInfo.processInfo.environment["RAPPORT_SIM_DEBUG"] != nil {
                    print("LOST", write.written, "final", final)
                    for w in newestFirst { print("  write by r\(w.replica)", w.written.value, w.written.stamp, "dot", w.written.dot, w.inRestoreWindow ? "RESTORE-WINDOW" : "") }
                }
                if !ok && report.lostWrites.count < 5 {
                    report.lostWrites.append("\(write.entity) \(write.id) \(write.field)@\(write.written.stamp) by \(replicas[write.replica].name) vanished without a journal entry")
                }
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Every version a server workspace holds, read through its change feed.
    static func allVersions(_ server: any ServerDatabase, _ workspace: String) throws -> [RecordVersion] {
        let decoder = JSONDecoder()
        var versions: [RecordVersion] = []
        var after: Int64 = 0
        while true {
            let page = try server.changes(workspace: workspace, after: after, limit: 1_000)
            guard let last = page.entries.last else { return versions }
            versions += try page.entries.map { try decoder.decode(RecordVersion.self, from: Data($0.json.utf8)) }
            after = last.sequence
        }
    }
}

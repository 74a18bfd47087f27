import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// The outbox, acknowledgement, apply-remote, the conflict journal and full resync, exercised
/// between real replicas that exchange versions the way a sync client would.
@Suite final class SyncSurfaceTests {
    private let directory: URL
    private static let day = Date(timeIntervalSince1970: 1_764_000_000)
    private static let stranger = try! ReplicaID("00000000000000aa")

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("SyncSurfaceTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func replica(_ name: String, wallClock: WallClock = .system) throws -> Store {
        try Store.create(at: path("\(name).rapport"), name: name, wallClock: wallClock)
    }

    private func pending(_ store: Store) throws -> [RecordVersion] {
        try store.pendingChanges(limit: .max).map(\.version)
    }

    /// Both replicas apply what the other has queued (as if through a server), each exactly once.
    @discardableResult
    private func exchange(_ a: Store, _ b: Store) throws -> (intoA: ApplyReport, intoB: ApplyReport) {
        let fromA = try pending(a), fromB = try pending(b)
        return (try a.apply(fromB), try b.apply(fromA))
    }

    private func acknowledgeAll(_ store: Store) throws {
        try store.acknowledge(try store.pendingChanges(limit: .max).map(\.token))
    }

    private static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private static func remote(_ entity: String, _ id: String, _ values: [String: FieldValue], wall: Int64 = nowMillis()) -> RecordVersion {
        RecordVersion.create(entity: entity, id: id, fields: values, stamp: Stamp(hlc: HLCTimestamp(wallMillis: wall), replica: stranger))
    }

    /// Two replicas that both hold account a1, created on `a` and received by `b`.
    private func twoReplicasSharingAnAccount() throws -> (a: Store, b: Store) {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.create(Account(id: "a1", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        try exchange(a, b)
        try acknowledgeAll(a)
        return (a, b)
    }

    // MARK: outbox

    enum WritePath: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case create, createAll, update, delete, restore, batchOfSeveralWritesToOneRecord
        var testDescription: String { rawValue }
    }

    @Test(arguments: WritePath.allCases)
    func everyWritePathQueuesExactlyOneEntryPerRecord(_ writePath: WritePath) throws {
        let store = try replica("a")
        try store.accounts.createAll([Account(id: "a1", name: "Acme"), Account(id: "a2", name: "Globex")])
        try store.accounts.delete(id: "a2")
        try acknowledgeAll(store)
        #expect(try store.pendingChanges().isEmpty)

        let expected: [String]
        switch writePath {
        case .create:
            try store.accounts.create(Account(id: "a3", name: "Initech"))
            expected = ["a3"]
        case .createAll:
            try store.accounts.createAll([Account(id: "a4", name: "Umbrella"), Account(id: "a3", name: "Initech")])
            expected = ["a4", "a3"]
        case .update:
            try store.accounts.update(Account(id: "a1", name: "Acme Corp"))
            try store.accounts.update(Account(id: "a1", name: "Acme Corporation"))
            expected = ["a1"]
        case .delete:
            try store.accounts.delete(id: "a1")
            expected = ["a1"]
        case .restore:
            try store.accounts.restore(id: "a2")
            expected = ["a2"]
        case .batchOfSeveralWritesToOneRecord:
            try store.batch { batch in
                try batch.create(Account(id: "a3", name: "Initech"))
                try batch.update(Account(id: "a3", name: "Initech LLC"))
                try batch.delete(Account.self, id: "a3")
                try batch.restore(Account.self, id: "a3")
            }
            expected = ["a3"]
        }
        let queued = try store.pendingChanges()
        #expect(queued.map(\.version.id) == expected)
        #expect(try store.info().pendingChanges == expected.count)
        for change in queued {
            #expect(change.version == (try store.version(entity: "account", id: change.version.id)), "the queued version is the current one")
        }
    }

    @Test func pendingChangesComeOldestFirstAndRespectTheLimit() throws {
        let store = try replica("a")
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        try store.stakeholders.create(Stakeholder(id: "p1", accountID: "a1", name: "Ana"))
        try store.accounts.create(Account(id: "a0", name: "Zeta"))
        try store.accounts.update(Account(id: "a1", name: "Acme Corp"))

        let all = try store.pendingChanges()
        #expect(all.map { "\($0.version.entity)/\($0.version.id)" } == ["stakeholder/p1", "account/a0", "account/a1"])
        #expect(all.map(\.token.change) == all.map(\.token.change).sorted())
        #expect(try store.pendingChanges(limit: 2).map(\.version.id) == ["p1", "a0"])
        #expect(try store.pendingChanges(limit: 0).isEmpty)
    }

    @Test func acknowledgingClearsOnlyTheVersionThatWasRead() throws {
        let store = try replica("a")
        try store.accounts.createAll([Account(id: "a1", name: "Acme"), Account(id: "a2", name: "Globex")])
        let read = try store.pendingChanges()

        // Written again while the push was in flight: the server has not seen this version.
        try store.accounts.update(Account(id: "a1", name: "Acme Corp"))
        #expect(try store.acknowledge(read.map(\.token)) == 1)

        let left = try store.pendingChanges()
        #expect(left.map(\.version.id) == ["a1"])
        #expect(left[0].version.values["name"] == .string("Acme Corp"))
        #expect(try store.acknowledge(read.map(\.token)) == 0)
        #expect(try store.acknowledge(left.map(\.token)) == 1)
        #expect(try store.pendingChanges().isEmpty)
        #expect(try store.info().pendingChanges == 0)
    }

    @Test func aRecordAcknowledgedAndWrittenAgainIsQueuedOnceWithItsNewVersion() throws {
        let store = try replica("a")
        try store.accounts.create(Account(id: "a1", name: "Acme"))
        let first = try store.pendingChanges()
        #expect(try store.acknowledge(first.map(\.token)) == 1)

        try store.accounts.update(Account(id: "a1", name: "Acme Corp"))
        try store.accounts.update(Account(id: "a1", name: "Acme Corporation"))
        let queued = try store.pendingChanges()
        #expect(queued.map(\.version.id) == ["a1"])
        #expect(queued[0].version.values["name"] == .string("Acme Corporation"))
        #expect(queued[0].token.change > first[0].token.change)
        #expect(try store.info().pendingChanges == 1)
        #expect(try store.acknowledge(first.map(\.token)) == 0, "an old token never clears a newer entry")
        #expect(try store.pendingChanges().map(\.token) == queued.map(\.token))
    }

    @Test func aMergeIntoAPendingRecordKeepsItsEntryAndTheReadTokenStillAcknowledgesIt() throws {
        let (a, b) = try twoReplicasSharingAnAccount()
        try a.accounts.update(Account(id: "a1", name: "Acme Corp", segment: "smb", arr: 1000, owner: "kim"))
        let read = try a.pendingChanges()
        #expect(read.map(\.version.id) == ["a1"])

        // A pull lands while the push is in flight: it changes the row, not what is queued.
        try b.accounts.update(Account(id: "a1", name: "Acme", segment: "enterprise", arr: 1000, owner: "kim"))
        let report = try a.apply(try pending(b))
        #expect(report.updated == 1)
        #expect(try a.pendingChanges().map(\.token) == read.map(\.token))
        #expect(try a.accounts.get(id: "a1")?.segment == "enterprise")
        #expect(try a.accounts.get(id: "a1")?.name == "Acme Corp")

        #expect(try a.acknowledge(read.map(\.token)) == 1)
        #expect(try a.pendingChanges().isEmpty)
    }

    @Test func aFullResyncWithEntriesStillQueuedQueuesEachRecordOnce() throws {
        let store = try replica("a")
        try store.accounts.createAll([Account(id: "a1", name: "Acme"), Account(id: "a2", name: "Globex"), Account(id: "a3", name: "Initech")])
        try store.acknowledge(try store.pendingChanges().filter { $0.version.id == "a1" }.map(\.token))
        let before = try store.pendingChanges()
        #expect(before.map(\.version.id) == ["a2", "a3"])

        try store.resetForFullResync()
        let queued = try store.pendingChanges(limit: .max)
        #expect(queued.map(\.version.id).sorted() == ["a1", "a2", "a3"])
        #expect(try store.info().pendingChanges == 3)
        #expect(try store.acknowledge(before.map(\.token)) == 0, "entries from before the resync were replaced")
        #expect(try store.acknowledge(queued.map(\.token)) == 3)
        #expect(try store.info().pendingChanges == 0)
    }

    @Test func anEntrySetAsideLeavesTheOutboxAndALaterWriteQueuesItAgain() throws {
        let store = try replica("a")
        try store.accounts.createAll([Account(id: "a1", name: "Acme"), Account(id: "a2", name: "Globex")])
        let read = try store.pendingChanges()
        try store.setAside(read[0].token, reason: "invalid_value", message: "refused")
        #expect(try store.pendingChanges().map(\.version.id) == ["a2"])
        #expect(try store.rejections().map(\.id) == ["a1"])

        try store.accounts.update(Account(id: "a1", name: "Acme Corp"))
        #expect(try store.pendingChanges().map(\.version.id) == ["a2", "a1"])
        // Set aside after it was written again: the newer version stays queued, nothing is kept aside.
        let again = try store.pendingChanges()
        try store.accounts.update(Account(id: "a1", name: "Acme Corporation"))
        try store.setAside(again[1].token, reason: "invalid_value", message: "refused")
        #expect(try store.pendingChanges().map(\.version.id) == ["a2", "a1"])
        #expect(try store.rejections().count == 1)
    }

    @Test func aMergeThatMovesAnIndexedFieldIsFoundUnderItsNewValueOnly() throws {
        let a = try replica("a"), b = try replica("b")
        try a.assessments.create(Assessment(id: "s1", accountID: "acct-1", assessedAt: Self.day, trust: .low, respect: .high, note: "first"))
        try exchange(a, b)
        try a.assessments.update(id: "s1") { $0.accountID = "acct-2" }
        try exchange(a, b)
        #expect(try b.assessments.list(where: "accountID", equals: .string("acct-1")).isEmpty)
        #expect(try b.history(accountID: "acct-2").map(\.id) == ["s1"])
        #expect(try b.assessments.get(id: "s1")?.note == "first")
        try a.assessments.delete(id: "s1")
        try exchange(a, b)
        #expect(try b.assessments.isDeleted(id: "s1") == true)
        #expect(try b.allVersions() == a.allVersions())
        #expect(try a.assessments.list(includeDeleted: true, where: "accountID", equals: .string("acct-1")).isEmpty)
        // Updates write only the changed columns: every index must still agree with its table.
        for store in [a, b] {
            let db = try Database(path: store.path, create: false)
            defer { db.close() }
            let check = try db.prepare("PRAGMA integrity_check")
            #expect(try check.step() && check.string(0) == "ok")
        }
    }

    // MARK: apply

    @Test func applyingIntoAnEmptyReplicaInsertsEverythingWithoutQueueingIt() throws {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.createAll([Account(id: "a1", name: "Acme", renewalDate: Self.day), Account(id: "a2", name: "Globex")])
        try a.assessments.create(Assessment(id: "s1", accountID: "a1", assessedAt: Self.day, trust: .high, respect: .high))
        try a.accounts.delete(id: "a2")

        let report = try b.apply(try pending(a))
        #expect(report.inserted == 3)
        #expect(report.outcomes == [.inserted, .inserted, .inserted])
        #expect(try b.allVersions() == a.allVersions())
        #expect(try b.accounts.list() == a.accounts.list())
        #expect(try b.accounts.get(id: "a2") == nil)
        #expect(try b.assessments.get(id: "s1") == a.assessments.get(id: "s1"))
        #expect(try b.pendingChanges().isEmpty)
        #expect(try b.conflicts().isEmpty)
        // Receiving moved b's clock past everything it saw, so its next write orders after them.
        let newest = try a.allVersions().map(\.maxStamp).max()!
        #expect(try b.info().clock >= newest.hlc)
    }

    @Test func applyingKnownOrOlderVersionsChangesNothing() throws {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.create(Account(id: "a1", name: "Acme"))
        let old = try pending(a)
        try a.accounts.update(Account(id: "a1", name: "Acme Corp"))
        try a.stakeholders.create(Stakeholder(id: "p1", accountID: "a1", name: "Ana"))
        let current = try pending(a)
        _ = try b.apply(current)
        let versions = try b.allVersions()

        let again = try b.apply(current + old)
        #expect(again.stale == 3)
        #expect(again.inserted == 0 && again.updated == 0 && again.conflicts == 0)
        #expect(try b.allVersions() == versions)
        #expect(try b.accounts.get(id: "a1")?.name == "Acme Corp")
        #expect(try b.pendingChanges().isEmpty)
        #expect(try b.conflicts().isEmpty)
    }

    @Test func concurrentEditsOfOneFieldConvergeAndAreJournaledOnBothSidesWithTheSameWinner() throws {
        let (a, b) = try twoReplicasSharingAnAccount()
        try a.accounts.update(Account(id: "a1", name: "Acme (from a)", segment: "smb", arr: 1000, owner: "kim"))
        try b.accounts.update(Account(id: "a1", name: "Acme (from b)", segment: "smb", arr: 1000, owner: "kim"))

        let reports = try exchange(a, b)
        #expect(reports.intoA.updated == 1 && reports.intoA.conflicts == 1)
        #expect(reports.intoB.updated == 1 && reports.intoB.conflicts == 1)
        #expect(try a.allVersions() == b.allVersions())

        let onA = try #require(try a.conflicts().first), onB = try #require(try b.conflicts().first)
        #expect(try a.conflicts().count == 1 && b.conflicts().count == 1)
        for entry in [onA, onB] {
            #expect(entry.conflict.entity == "account" && entry.conflict.id == "a1")
            #expect(entry.conflict.field == "name")
            #expect(entry.conflict.kind == .field)
            #expect(entry.conflict.reason == .laterStamp)
            #expect(!entry.isResolved)
        }
        #expect(onA.conflict.local == onB.conflict.remote)
        #expect(onA.conflict.remote == onB.conflict.local)
        #expect(onA.conflict.winner != onB.conflict.winner)
        #expect(onA.conflict.winningValue == onB.conflict.winningValue)
        let winner = onA.conflict.winningValue
        #expect(winner.stamp == max(onA.conflict.local.stamp, onA.conflict.remote.stamp))
        #expect(try a.accounts.get(id: "a1")?.name == winner.value.stringValue)
        #expect(try b.accounts.get(id: "a1")?.name == winner.value.stringValue)
        #expect(try a.info().openConflicts == 1)
    }

    @Test func concurrentEditsOfDifferentFieldsBothSurviveWithoutAConflict() throws {
        let (a, b) = try twoReplicasSharingAnAccount()
        try a.accounts.update(Account(id: "a1", name: "Acme", segment: "enterprise", arr: 1000, owner: "kim"))
        try b.accounts.update(Account(id: "a1", name: "Acme", segment: "smb", arr: 1000, owner: "lee"))

        let reports = try exchange(a, b)
        #expect(reports.intoA.conflicts == 0 && reports.intoB.conflicts == 0)
        let merged = Account(id: "a1", name: "Acme", segment: "enterprise", arr: 1000, owner: "lee")
        #expect(try a.accounts.get(id: "a1") == merged)
        #expect(try b.accounts.get(id: "a1") == merged)
        #expect(try a.allVersions() == b.allVersions())
        #expect(try a.conflicts(includeResolved: true).isEmpty && b.conflicts(includeResolved: true).isEmpty)
    }

    @Test func aDeleteBeatsAConcurrentEditIsJournaledAndARestoreShowsTheEdit() throws {
        let (a, b) = try twoReplicasSharingAnAccount()
        try a.accounts.delete(id: "a1")
        try b.accounts.update(Account(id: "a1", name: "Acme", segment: "smb", arr: 1000, owner: "lee"))

        try exchange(a, b)
        #expect(try a.accounts.get(id: "a1") == nil)
        #expect(try b.accounts.get(id: "a1") == nil)
        #expect(try a.allVersions() == b.allVersions())
        for (store, winner) in [(a, Conflict.Side.local), (b, .remote)] {
            let entries = try store.conflicts()
            #expect(entries.count == 1)
            #expect(entries.first?.conflict.kind == .deleteVersusEdit)
            #expect(entries.first?.conflict.field == "deleted")
            #expect(entries.first?.conflict.reason == .deleteWins)
            #expect(entries.first?.conflict.winner == winner)
        }

        try a.accounts.restore(id: "a1")
        try exchange(a, b)
        let restored = Account(id: "a1", name: "Acme", segment: "smb", arr: 1000, owner: "lee")
        #expect(try a.accounts.get(id: "a1") == restored)
        #expect(try b.accounts.get(id: "a1") == restored)
        #expect(try a.allVersions() == b.allVersions())
    }

    @Test func applyRejectsBadRecordsOneByOneAndStillAppliesTheGoodOnes() throws {
        let store = try replica("b")
        try store.accounts.create(Account(id: "local", name: "Local"))
        let pendingBefore = try store.pendingChanges()
        let now = Self.nowMillis()
        let account = Account(id: "x", name: "Secret Customer").fieldValues

        var unknownField = account
        // A field this build does not know is kept (a newer app wrote it), unless its name could never be a field's.
        unknownField["color!"] = .string("Secret Customer")
        var medium = Assessment(id: "s1", accountID: "g1", assessedAt: Self.day, trust: .high, respect: .high).fieldValues
        medium["trust"] = .string("medium")
        var forged = Self.remote("account", "forged", account)
        forged.fields["name"]!.dot = 5
        var missing = account
        missing["owner"] = nil

        let versions = [
            Self.remote("account", "g1", Account(id: "g1", name: "Good one").fieldValues),
            Self.remote("invoice", "i1", ["total": .number(12)]),
            Self.remote("account", "unknownField", unknownField),
            Self.remote("assessment", "medium", medium),
            forged,
            Self.remote("account", "future", account, wall: now + 2 * 86_400_000),
            Self.remote("account", "missing", missing),
            Self.remote("account", "g2", Account(id: "g2", name: "Good two").fieldValues),
        ]
        // No cursor: versions from a bundle file, checked for clock drift against this device.
        let report = try store.apply(versions)

        let reasons = report.outcomes.map { outcome -> String in
            if case .rejected(let reason, _) = outcome { reason } else { "\(outcome)" }
        }
        #expect(reasons == ["inserted", "unknown_entity", "invalid_value", "invalid_value", "invalid_version", "clock_drift", "missing_field", "inserted"])
        #expect(report.inserted == 2 && report.rejected == 6)
        for outcome in report.outcomes {
            if case .rejected(_, let message) = outcome {
                #expect(!message.contains("Secret"), "a rejection never echoes customer data")
                #expect(!message.contains("medium"))
            }
        }
        #expect(try store.accounts.list().map(\.id) == ["g1", "g2", "local"])
        for (entity, id) in [("account", "unknownField"), ("assessment", "medium"), ("account", "forged"), ("account", "future"), ("account", "missing")] {
            #expect(try store.version(entity: entity, id: id) == nil, "\(id)")
        }
        #expect(try store.allVersions(entity: "account").count == 3)
        #expect(try store.pendingChanges() == pendingBefore)
        // The refused future stamp did not drag the clock along with it.
        #expect(try store.info().clock.wallMillis < now + 86_400_000)
        try store.accounts.update(Account(id: "local", name: "Local 2"))
        #expect(try store.version(entity: "account", id: "local")!.maxStamp.hlc.wallMillis < now + 86_400_000)
    }

    @Test("a pulled page is not refused for this device's slow clock, and what it refuses is kept, not dropped")
    func pulledPagesTrustTheServersClockCheckAndKeepRefusals() throws {
        do {
            let store = try replica("slow")
            let remote = ReplicaID.random()
            // A device whose clock is two days behind everyone: the server accepted these stamps.
            let ahead = Int64(Date().timeIntervalSince1970 * 1000) + 2 * 86_400_000
            let fine = RecordVersion.create(entity: "account", id: "ahead", fields: Account(id: "", name: "Ahead").fieldValues,
                                            stamp: Stamp(hlc: HLCTimestamp(wallMillis: ahead), replica: remote))
            var broken = RecordVersion.create(entity: "account", id: "broken", fields: Account(id: "", name: "B").fieldValues,
                                              stamp: Stamp(hlc: HLCTimestamp(wallMillis: ahead), replica: remote))
            broken.fields["arr"] = Stamped(.string("lots"), stamp: broken.fields["arr"]!.stamp, dot: 1)
            let report = try store.apply([fine, broken], cursor: "e:2")
            #expect(report.inserted == 1 && report.rejected == 1)
            #expect(try store.accounts.get(id: "ahead")?.name == "Ahead")
            #expect(try store.info().cursor == "e:2")
            #expect(try store.rejections().map { "\($0.id) \($0.reason)" } == ["broken incoming_invalid_value"])
            // The local clock moved past the accepted stamp, so a later local edit still wins.
            try store.accounts.update(Account(id: "ahead", name: "Edited here"))
            #expect(try store.version(entity: "account", id: "ahead")!.fields["name"]!.stamp.hlc.wallMillis >= ahead)
        }
    }

    @Test func applyMovesTheCursorOnlyTogetherWithTheData() throws {
        let file = path("b.rapport")
        let store = try Store.create(at: file)
        #expect(try store.info().cursor == "")
        _ = try store.apply([Self.remote("account", "r1", Account(id: "r1", name: "One").fieldValues)], cursor: "page-1")
        #expect(try store.info().cursor == "page-1")
        #expect(try store.info().lastSyncAt != nil)

        _ = try store.apply([Self.remote("account", "r2", Account(id: "r2", name: "Two").fieldValues)])
        #expect(try store.info().cursor == "page-1", "no cursor given, none stored")

        // r1's metadata is damaged, so the page fails midway: neither r3 nor the cursor may land.
        let db = try Database(path: file, create: false)
        try db.execute("UPDATE account SET _version = x'01' WHERE id = 'r1'")
        db.close()
        var r1 = Self.remote("account", "r1", Account(id: "r1", name: "One again").fieldValues)
        r1.clock.increment(Self.stranger)
        let error = #expect(throws: StoreError.self) {
            try store.apply([Self.remote("account", "r3", Account(id: "r3", name: "Three").fieldValues), r1], cursor: "page-2")
        }
        #expect(error?.code == .corruptDatabase)
        #expect(try store.info().cursor == "page-1")
        #expect(try store.version(entity: "account", id: "r3") == nil)
        #expect(try store.accounts.get(id: "r2")?.name == "Two")
    }

    @Test func anEditMadeAfterReceivingWinsEvenFromADeviceWhoseClockIsAnHourBehind() throws {
        let a = try replica("a")
        let late = try replica("late", wallClock: .offset(by: -3600))
        try a.accounts.create(Account(id: "a1", name: "Acme", owner: "kim"))
        try exchange(a, late)

        try late.accounts.update(Account(id: "a1", name: "Acme", owner: "lee"))
        let stamp = try #require(try late.version(entity: "account", id: "a1")?.fields["owner"]?.stamp)
        let created = try #require(try a.version(entity: "account", id: "a1")?.fields["owner"]?.stamp)
        #expect(stamp > created)

        let report = try a.apply(try pending(late))
        #expect(report.updated == 1 && report.conflicts == 0)
        #expect(try a.accounts.get(id: "a1")?.owner == "lee")
        #expect(try a.allVersions() == late.allVersions())
    }

    // MARK: conflict journal

    enum Choice: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case mine, theirs, typed
        var testDescription: String { rawValue }
    }

    @Test(arguments: Choice.allCases)
    func resolvingAConflictIsANewPendingWriteThatWinsEverywhere(_ choice: Choice) throws {
        let (a, b) = try twoReplicasSharingAnAccount()
        try a.accounts.update(Account(id: "a1", name: "Acme (from a)", segment: "smb", arr: 1000, owner: "kim"))
        try b.accounts.update(Account(id: "a1", name: "Acme (from b)", segment: "smb", arr: 1000, owner: "kim"))
        try exchange(a, b)
        try acknowledgeAll(a)
        try acknowledgeAll(b)

        // Pick the side where the choice overrides what merging kept.
        let aLost = try a.conflicts()[0].conflict.winner == .remote
        let (resolver, other, conflictChoice): (Store, Store, ConflictChoice) = switch choice {
        case .mine: aLost ? (a, b, .mine) : (b, a, .mine)
        case .theirs: aLost ? (b, a, .theirs) : (a, b, .theirs)
        case .typed: (a, b, .value(.string("Acme Corporation")))
        }
        let entry = try resolver.conflicts()[0]
        let expected: FieldValue = switch conflictChoice {
        case .mine: entry.conflict.local.value
        case .theirs: entry.conflict.remote.value
        case .value(let v): v
        }
        #expect(expected != entry.conflict.winningValue.value)

        let resolved = try resolver.resolveConflict(entry.seq, choice: conflictChoice)
        #expect(resolved.seq == entry.seq)
        #expect(resolved.isResolved)
        #expect(resolved.resolution?.isEmpty == false)
        #expect(try resolver.conflicts().isEmpty)
        #expect(try resolver.conflicts(includeResolved: true) == [resolved])
        #expect(try resolver.accounts.get(id: "a1")?.name == expected.stringValue)

        // The write, and the replicated resolution that settles the entry on other replicas.
        let queued = try resolver.pendingChanges().filter { $0.version.entity == "account" }
        #expect(queued.map(\.version.id) == ["a1"])
        #expect(try resolver.pendingChanges().map(\.version.entity).sorted() == ["account", "resolution"])
        let stamp = try #require(queued.first?.version.fields["name"]?.stamp)
        #expect(stamp > entry.conflict.local.stamp && stamp > entry.conflict.remote.stamp)

        let again = #expect(throws: StoreError.self) { try resolver.resolveConflict(entry.seq, choice: conflictChoice) }
        #expect(again?.code == .conflict)

        try exchange(resolver, other)
        #expect(try other.accounts.get(id: "a1")?.name == expected.stringValue)
        #expect(try a.allVersions() == b.allVersions())
    }

    @Test func aResolutionThatDoesNotFitTheFieldIsRefusedAndTheConflictStaysOpen() throws {
        let (a, b) = try twoReplicasSharingAnAccount()
        try a.accounts.update(Account(id: "a1", name: "Acme (from a)", segment: "smb", arr: 1000, owner: "kim"))
        try b.accounts.update(Account(id: "a1", name: "Acme (from b)", segment: "smb", arr: 1000, owner: "kim"))
        try exchange(a, b)
        let entry = try a.conflicts()[0]
        let versions = try a.allVersions()

        let error = #expect(throws: StoreError.self) { try a.resolveConflict(entry.seq, choice: .value(.number(42))) }
        #expect(error?.code == .invalidArgument)
        #expect(try a.conflicts() == [entry])
        #expect(try a.allVersions() == versions)

        let missing = #expect(throws: StoreError.self) { try a.resolveConflict(entry.seq + 1000, choice: .mine) }
        #expect(missing?.code == .notFound)
    }

    @Test func aDeleteVersusEditConflictCanBeResolvedByKeepingTheEdit() throws {
        let (a, b) = try twoReplicasSharingAnAccount()
        try a.accounts.delete(id: "a1")
        try b.accounts.update(Account(id: "a1", name: "Acme", segment: "smb", arr: 2000, owner: "kim"))
        try exchange(a, b)
        try acknowledgeAll(a)

        let entry = try a.conflicts()[0]
        #expect(entry.conflict.kind == .deleteVersusEdit)
        try a.resolveConflict(entry.seq, choice: .theirs)
        #expect(try a.accounts.get(id: "a1")?.arr == 2000)
        #expect(try a.pendingChanges().map(\.version.entity).sorted() == ["account", "resolution"])
        try exchange(a, b)
        #expect(try b.accounts.get(id: "a1")?.arr == 2000)
        #expect(try b.conflicts().isEmpty)
    }

    // MARK: full resync

    @Test func aFullResyncQueuesEveryRecordAndForgetsTheCursor() throws {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.createAll([Account(id: "a1", name: "Acme"), Account(id: "a2", name: "Globex")])
        try a.accounts.delete(id: "a2")
        try a.assessments.create(Assessment(id: "s1", accountID: "a1", assessedAt: Self.day, trust: .low, respect: .high))
        try b.accounts.create(Account(id: "b1", name: "Initech"))
        _ = try a.apply(try pending(b), cursor: "page-9")
        try acknowledgeAll(a)
        #expect(try a.pendingChanges().isEmpty)
        #expect(try a.info().cursor == "page-9")

        try a.resetForFullResync()
        #expect(try a.info().cursor == "")
        let queued = try a.pendingChanges(limit: .max)
        #expect(Set(queued.map { "\($0.version.entity)/\($0.version.id)" }) == ["account/a1", "account/a2", "account/b1", "assessment/s1"])
        #expect(queued.count == 4)
        #expect(Set(queued.map(\.version)) == Set(try a.allVersions()))

        // A fresh peer (the replacement server's view) gets everything back, tombstones included.
        let fresh = try replica("fresh")
        _ = try fresh.apply(queued.map(\.version))
        #expect(try fresh.allVersions() == a.allVersions())
    }
}

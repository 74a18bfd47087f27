import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// A wall clock a test can set, to play a device whose clock is wrong and later fixed.
final class SettableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0
    func set(hoursAhead hours: Double) { lock.lock(); offset = hours * 3600; lock.unlock() }
    var wallClock: WallClock { WallClock { [self] in lock.lock(); defer { lock.unlock() }; return Date().addingTimeInterval(offset) } }
}

/// The ways real phones and laptops lose or hide edits (issue "Nothing lost in real use"), each
/// between real replica files exchanging versions the way a sync client does.
@Suite final class RealUseTests {
    private let directory: URL
    private let device: DeviceIdentity

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("RealUseTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        device = .directory(directory.appendingPathComponent("device"))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func replica(_ name: String, wallClock: WallClock = .system) throws -> Store {
        try Store.create(at: path(name), name: name, wallClock: wallClock, identity: device)
    }

    /// Each store applies what the other has queued, then both count their queues as sent.
    private func exchange(_ a: Store, _ b: Store) throws {
        let fromA = try a.pendingChanges(limit: .max), fromB = try b.pendingChanges(limit: .max)
        _ = try a.apply(fromB.map(\.version))
        _ = try b.apply(fromA.map(\.version))
        try a.acknowledge(fromA.map(\.token))
        try b.acknowledge(fromB.map(\.token))
    }

    private func shared() throws -> (Store, Store) {
        let a = try replica("a"), b = try replica("b")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        try exchange(a, b)
        return (a, b)
    }

    // MARK: 1. stale save

    @Test func aScreenSavedAfterASyncDoesNotRevertTheSyncedField() throws {
        let (a, b) = try shared()
        let screen = try #require(try a.accounts.get(id: "acme"))   // the laptop opens the edit screen
        try b.accounts.update(id: "acme") { $0.owner = "lee" }      // the phone changes the owner
        try exchange(a, b)                                          // the laptop syncs while the screen is open
        var edited = screen
        edited.name = "Acme Logistics"                              // the person renames and saves
        let changed = try a.accounts.update(edited, from: screen)
        #expect(changed == ["name"])
        try exchange(a, b)
        for store in [a, b] {
            let account = try #require(try store.accounts.get(id: "acme"))
            #expect(account.owner == "lee")
            #expect(account.name == "Acme Logistics")
        }
        #expect(try a.conflicts().isEmpty)
    }

    @Test func aFieldChangedOnAStaleScreenThatMovedMeanwhileIsJournaled() throws {
        let (a, b) = try shared()
        let screen = try #require(try a.accounts.get(id: "acme"))
        try b.accounts.update(id: "acme") { $0.owner = "lee" }
        try exchange(a, b)
        var edited = screen
        edited.owner = "sam"                                       // changed a field that moved since the screen opened
        #expect(try a.accounts.update(edited, from: screen) == ["owner"])
        #expect(try a.accounts.get(id: "acme")?.owner == "sam")
        let entry = try #require(try a.conflicts().first)
        #expect(entry.conflict.field == "owner")
        #expect(entry.conflict.losingValue.value == .string("lee"))
        // The journaled value can be taken back.
        try a.resolveConflict(entry.seq, choice: .theirs)
        #expect(try a.accounts.get(id: "acme")?.owner == "lee")
    }

    @Test func anInPlaceUpdateReadsAndWritesInOneTransaction() throws {
        let (a, b) = try shared()
        try b.accounts.update(id: "acme") { $0.owner = "lee" }
        try exchange(a, b)
        // The closure sees the synced owner, and only the name is written.
        var seenOwner = ""
        let changed = try a.accounts.update(id: "acme") { seenOwner = $0.owner; $0.name = "Acme 2" }
        #expect(seenOwner == "lee")
        #expect(changed == ["name"])
        let version = try #require(try a.version(entity: "account", id: "acme"))
        let ownerWrite = try #require(version.fields["owner"])
        #expect(ownerWrite.stamp.replica == (try b.info().replicaID))
    }

    // MARK: 8. queries

    @Test func listingByNullMatchesRecordsWhoseFieldIsNull() throws {
        let a = try replica("a")
        try a.accounts.create(Account(id: "x", name: "X", segment: "smb", arr: 1, owner: "kim"))
        try a.accounts.create(Account(id: "y", name: "Y", segment: "smb", arr: 1, renewalDate: Date(timeIntervalSince1970: 1_800_000_000), owner: "kim"))
        #expect(try a.accounts.list(where: "renewalDate", equals: .null).map(\.id) == ["x"])
        #expect(try a.accounts.list(where: "name", equals: .string("Y")).map(\.id) == ["y"])
    }

    // MARK: 3. a clock that was wrong once

    @Test func aWriteUnderAClockThreeDaysAheadDoesNotPinLaterWritesInTheFuture() throws {
        let clock = SettableClock()
        let a = try replica("a", wallClock: clock.wallClock)
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        let oldID = try a.info().replicaID
        clock.set(hoursAhead: 72)
        try a.accounts.update(id: "acme") { $0.owner = "future" }
        clock.set(hoursAhead: 0)                                    // the clock is fixed
        try a.accounts.create(Account(id: "globex", name: "Globex", segment: "smb", arr: 5, owner: "kim"))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let info = try a.info()
        #expect(info.replicaID != oldID)
        #expect(info.clock.wallMillis < now + 60_000)
        // Every queued write now passes a receiver's drift check, and keeps its order.
        let checker = HybridLogicalClock()
        for change in try a.pendingChanges(limit: .max) {
            for stamp in change.version.allStamps { #expect(throws: Never.self) { try checker.check(stamp.hlc, now: now) } }
        }
        let acme = try #require(try a.version(entity: "account", id: "acme"))
        #expect(acme.fields["owner"]?.value == .string("future"))
        #expect(acme.fields["owner"]!.stamp > acme.fields["name"]!.stamp)
        try acme.validate()
        // A later edit wins over the re-stamped one.
        try a.accounts.update(id: "acme") { $0.owner = "fixed" }
        let b = try replica("b")
        _ = try b.apply(try a.pendingChanges(limit: .max).map(\.version))
        #expect(try b.accounts.get(id: "acme")?.owner == "fixed")
    }

    @Test func aClockThatIsBehindTheServerDoesNotChangeTheReplicaID() throws {
        let clock = SettableClock()
        clock.set(hoursAhead: -48)
        let a = try replica("a", wallClock: clock.wallClock)
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        let id = try a.info().replicaID
        // A pulled page from a server whose clock is right moves this clock ahead of the device's.
        let remote = RecordVersion.create(entity: "account", id: "other", fields: Account(id: "other", name: "O", segment: "smb", arr: 1, owner: "x").fieldValues,
                                          stamp: Stamp(hlc: HLCTimestamp(wallMillis: Int64(Date().timeIntervalSince1970 * 1000)), replica: try ReplicaID("00000000000000aa")))
        _ = try a.apply([remote], cursor: "e:1", serverTime: Date())
        try a.accounts.update(id: "acme") { $0.owner = "lee" }
        #expect(try a.info().replicaID == id)
        #expect(try a.recoverClockIfNeeded() == false)
    }

    // MARK: 6. a restored or copied replica file

    @Test func aReplicaRestoredFromABackupTakesANewIDBeforeItsFirstWrite() throws {
        let (a, b) = try shared()
        try a.backup(to: path("a-backup"))
        try a.accounts.update(id: "acme") { $0.owner = "sam" }
        try exchange(a, b)                                           // those writes left the device
        let id = try a.info().replicaID
        try FileManager.default.removeItem(atPath: path("a"))
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path("a") + suffix) }
        try FileManager.default.copyItem(atPath: path("a-backup"), toPath: path("a"))
        let restored = try Store.open(at: path("a"), identity: device)
        #expect(try restored.info().replicaID != id)
        // Its edits are new writes: a concurrent edit on b of the same field is journaled.
        try restored.accounts.update(id: "acme") { $0.arr = 2000 }
        try restored.accounts.update(id: "acme") { $0.owner = "restored" }
        try b.accounts.update(id: "acme") { $0.owner = "phone" }
        try exchange(restored, b)
        #expect(try restored.accounts.get(id: "acme") == (try b.accounts.get(id: "acme")))
        #expect(try !b.conflicts().filter { $0.conflict.field == "owner" }.isEmpty)
    }

    @Test func aReplicaFileCopiedToAnotherPlaceTakesANewID() throws {
        let a = try replica("a")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        try a.backup(to: path("copy"))
        let copy = try Store.open(at: path("copy"), identity: device)
        #expect(try copy.info().replicaID != (try a.info().replicaID))
        // Reopening the same file in the same place keeps its id.
        let again = try Store.open(at: path("copy"), identity: device)
        #expect(try again.info().replicaID == (try copy.info().replicaID))
    }

    // MARK: 9. versions this build cannot read

    @Test func aPulledVersionThisBuildCannotReadIsKeptAndMergedAfterAnUpgrade() throws {
        let a = try replica("a")
        var fields = Account(id: "acme", name: "Acme", segment: "smb", arr: 1, owner: "kim").fieldValues
        fields["arr"] = .string("a currency amount from a newer app")
        let unreadable = RecordVersion.create(entity: "account", id: "acme", fields: fields,
                                              stamp: Stamp(hlc: HLCTimestamp(wallMillis: Int64(Date().timeIntervalSince1970 * 1000)), replica: try ReplicaID("00000000000000aa")))
        let report = try a.apply([unreadable], cursor: "e:1")
        #expect(report.rejected == 1)
        #expect(try a.info().unreadable == 1)
        #expect(try a.accounts.get(id: "acme") == nil)
        // This build still cannot read it: reopening keeps it.
        _ = try Store.open(at: path("a"), identity: device)
        #expect(try a.info().unreadable == 1)
        // "An upgrade": the kept version becomes readable (simulated by fixing the stored copy).
        var readable = unreadable
        readable.fields["arr"]?.value = .number(5)
        try a.withCore { core in
            try core.write {
                let statement = try core.db.prepare("UPDATE _unreadable SET version = ?")
                try statement.bind(String(decoding: try JSONEncoder().encode(readable), as: UTF8.self), at: 1)
                try statement.run()
            }
        }
        let upgraded = try Store.open(at: path("a"), identity: device)
        #expect(try upgraded.accounts.get(id: "acme")?.arr == 5)
        #expect(try upgraded.info().unreadable == 0)
        #expect(try upgraded.info().cursor == "e:1")
    }

    // MARK: 4. conflicts resolved once, everywhere

    /// a and b edit the owner concurrently and exchange: both journal the conflict.
    private func conflicted() throws -> (Store, Store) {
        let (a, b) = try shared()
        try a.accounts.update(id: "acme") { $0.owner = "sam" }
        try b.accounts.update(id: "acme") { $0.owner = "lee" }
        try exchange(a, b)
        #expect(try a.conflicts().count == 1)
        #expect(try b.conflicts().count == 1)
        return (a, b)
    }

    @Test func aConflictResolvedOnOneReplicaClosesOnTheOther() throws {
        let (a, b) = try conflicted()
        let winner = try #require(try a.accounts.get(id: "acme")?.owner)
        // Keeping the value that already won is still a resolution that others must learn.
        let entry = try #require(try a.conflicts().first)
        try a.resolveConflict(entry.seq, choice: entry.conflict.winner == .local ? .mine : .theirs)
        try exchange(a, b)
        #expect(try b.conflicts().isEmpty)
        #expect(try b.conflicts(includeResolved: true).first?.resolution?.hasPrefix("resolved on another replica: chose") == true)
        #expect(try b.accounts.get(id: "acme")?.owner == winner)
    }

    @Test func resolvingAnEntryThatALaterEditSupersededIsRefusedAndChangesNothing() throws {
        let (a, b) = try conflicted()
        let stale = try #require(try b.conflicts().first)
        let entry = try #require(try a.conflicts().first)
        try a.resolveConflict(entry.seq, choice: .value(.string("dana")))
        try a.accounts.update(id: "acme") { $0.owner = "priya" }      // an edit after the resolution
        let pendingFromA = try a.pendingChanges(limit: .max)
        _ = try b.apply(pendingFromA.map(\.version))
        let error = try #require(throws: StoreError.self) { try b.resolveConflict(stale.seq, choice: .mine) }
        #expect(error.message.contains("no longer applies") || error.message.contains("already resolved"))
        #expect(try b.accounts.get(id: "acme")?.owner == "priya")
    }

    @Test func aNewReplicaDoesNotInheritConflictsThatWereSettled() throws {
        let (a, b) = try conflicted()
        let entry = try #require(try a.conflicts().first)
        try a.resolveConflict(entry.seq, choice: .theirs)
        let settledConflict = entry.conflict
        let fresh = try replica("fresh")
        // What a server sends a new replica: the record and the conflicts it ever had.
        _ = try fresh.apply(try a.allVersions(), cursor: "e:9", serverConflicts: [settledConflict])
        #expect(try fresh.conflicts().isEmpty)
        #expect(try fresh.conflicts(includeResolved: true).count == 1)
        // A conflict nobody settled still arrives open.
        try a.accounts.update(id: "acme") { $0.segment = "mid" }
        try b.accounts.update(id: "acme") { $0.segment = "ent" }
        try exchange(a, b)
        let open = try #require(try a.conflicts().first)
        let late = try replica("late")
        _ = try late.apply(try a.allVersions(), cursor: "e:12", serverConflicts: [settledConflict, open.conflict])
        #expect(try late.conflicts().map(\.conflict.field) == ["segment"])
    }

    @Test func editingAConflictedFieldSettlesItsEntryOnEveryReplica() throws {
        let (a, b) = try conflicted()
        try a.accounts.update(id: "acme") { $0.owner = "final" }
        #expect(try a.conflicts().isEmpty)
        try exchange(a, b)
        #expect(try b.conflicts().isEmpty)
        #expect(try b.accounts.get(id: "acme")?.owner == "final")
    }

    @Test func aLaterWriteThatDidNotSettleAConflictLeavesItOpen() throws {
        let (a, b) = try conflicted()
        let c = try replica("c")
        // c never saw the conflict; its later write of the owner does not say anything about it.
        _ = try c.apply(try a.allVersions())
        try c.accounts.update(id: "acme") { $0.owner = "from c" }
        _ = try b.apply(try c.pendingChanges(limit: .max).map(\.version))
        #expect(try b.conflicts().count == 1)
    }

    // MARK: 5. workspaces

    @Test func aReplicaBoundToOneWorkspaceRefusesAnotherUnlessSwitching() throws {
        let a = try replica("a")
        try a.accounts.create(Account(id: "acme", name: "Acme", segment: "smb", arr: 1000, owner: "kim"))
        try a.bindWorkspace("one")                                  // never synced: nothing to check yet
        try a.acknowledge(try a.pendingChanges(limit: .max).map(\.token))
        _ = try a.apply([], cursor: "epoch:41", workspace: "one")   // the first page binds the cursor
        let error = try #require(throws: StoreError.self) { try a.bindWorkspace("two") }
        #expect(error.message.contains("'one'"))
        #expect(try a.info().cursor == "epoch:41")
        try a.bindWorkspace("two", switching: true)
        #expect(try a.info().cursor == "")
        #expect(try a.info().workspace == "two")
        #expect(try a.pendingChanges(limit: .max).map(\.version.id) == ["acme"])
    }

    // MARK: what a review found

    @Test func aResolutionReceivedBeforeItsConflictMakesTheConflictArriveSettled() throws {
        let (a, _) = try conflicted()
        let entry = try #require(try a.conflicts().first)
        try a.resolveConflict(entry.seq, choice: .theirs)
        let fresh = try replica("fresh")
        let resolutions = try a.allVersions(entity: "resolution")
        _ = try fresh.apply(resolutions, cursor: "e:1")                                 // an earlier page
        _ = try fresh.apply(try a.allVersions(entity: "account"), cursor: "e:2", serverConflicts: [entry.conflict])
        #expect(try fresh.conflicts().isEmpty)
        #expect(try fresh.conflicts(includeResolved: true).count == 1)
    }

    @Test func resolvingAfterALaterEditFromAReplicaThatNeverSawTheConflictIsRefused() throws {
        let (a, b) = try conflicted()
        let c = try replica("c")
        _ = try c.apply(try a.allVersions())
        try c.accounts.update(id: "acme") { $0.owner = "from c" }
        _ = try b.apply(try c.pendingChanges(limit: .max).map(\.version))
        let entry = try #require(try b.conflicts().first)
        let error = try #require(throws: StoreError.self) { try b.resolveConflict(entry.seq, choice: .mine) }
        #expect(error.message.contains("no longer applies"))
        #expect(try b.accounts.get(id: "acme")?.owner == "from c")
        #expect(try b.conflicts().count == 1)
    }

    @Test func keepingTheWinningValueIsStillAWriteOtherReplicasReceive() throws {
        let (a, _) = try conflicted()
        let entry = try #require(try a.conflicts().first)
        let before = try #require(try a.version(entity: "account", id: "acme")?.fields["owner"])
        try a.resolveConflict(entry.seq, choice: entry.conflict.winner == .local ? .mine : .theirs)
        let after = try #require(try a.version(entity: "account", id: "acme")?.fields["owner"])
        #expect(after.value == before.value)
        #expect(after.stamp > before.stamp)
        #expect(try a.pendingChanges(limit: .max).contains { $0.version.entity == "account" })
    }

    @Test func twoReplicasSettlingTheSameConflictShowNoConflictAboutTheResolution() throws {
        let (a, b) = try conflicted()
        try a.resolveConflict(try #require(try a.conflicts().first).seq, choice: .mine)
        try b.resolveConflict(try #require(try b.conflicts().first).seq, choice: .mine)
        try exchange(a, b)
        for store in [a, b] {
            #expect(try store.conflicts().allSatisfy { $0.conflict.entity != "resolution" })
        }
        // The two resolutions of the owner are themselves concurrent edits of it: one conflict, shown.
        #expect(try a.accounts.get(id: "acme") == (try b.accounts.get(id: "acme")))
    }

    @Test func aReplicaThatSyncedBeforeWorkspaceBindingPullsFromTheStartOnce() throws {
        let a = try replica("a")
        _ = try a.apply([], cursor: "epoch:41")
        try a.withCore { core in try core.write { try core.db.execute("UPDATE _replica SET workspace = NULL") } }
        try a.bindWorkspace("team")
        #expect(try a.info().cursor == "")
    }

    @Test func aDeviceClockBehindWithNoServerTimeKeepsItsIDAndItsEditsWin() throws {
        let clock = SettableClock()
        clock.set(hoursAhead: -48)
        let a = try replica("a", wallClock: clock.wallClock)
        let stranger = try ReplicaID("00000000000000aa")
        let remote = RecordVersion.create(entity: "account", id: "acme", fields: Account(id: "acme", name: "Acme", segment: "smb", arr: 1, owner: "kim").fieldValues,
                                          stamp: Stamp(hlc: HLCTimestamp(wallMillis: Int64(Date().timeIntervalSince1970 * 1000)), replica: stranger))
        _ = try a.apply([remote], cursor: "e:1")                      // a pulled page, no server time
        let id = try a.info().replicaID
        try a.accounts.update(id: "acme") { $0.owner = "lee" }
        try a.accounts.update(id: "acme") { $0.segment = "mid" }
        #expect(try a.info().replicaID == id)
        let b = try replica("b")
        _ = try b.apply([remote])
        _ = try b.apply(try a.pendingChanges(limit: .max).map(\.version))
        #expect(try b.accounts.get(id: "acme")?.owner == "lee")
    }

    @Test func anEditUnderAWrongClockOfAValueFromADeviceAheadStillWinsAfterTheClockHeals() throws {
        let clock = SettableClock()
        let a = try replica("a", wallClock: clock.wallClock)
        let stranger = try ReplicaID("00000000000000bb")
        // b's clock is 20 h ahead (within what servers accept); a receives its owner.
        let ahead = Int64(Date().timeIntervalSince1970 * 1000) + 20 * 3_600_000
        let fromB = RecordVersion.create(entity: "account", id: "acme", fields: Account(id: "acme", name: "Acme", segment: "smb", arr: 1, owner: "b").fieldValues,
                                         stamp: Stamp(hlc: HLCTimestamp(wallMillis: ahead), replica: stranger))
        _ = try a.apply([fromB], cursor: "e:1")
        clock.set(hoursAhead: 72)
        try a.accounts.update(id: "acme") { $0.owner = "a, after seeing b" }
        clock.set(hoursAhead: 0)
        #expect(try a.recoverClockIfNeeded())
        let c = try replica("c")
        _ = try c.apply([fromB])
        _ = try c.apply(try a.pendingChanges(limit: .max).map(\.version))
        #expect(try c.accounts.get(id: "acme")?.owner == "a, after seeing b")
    }
}

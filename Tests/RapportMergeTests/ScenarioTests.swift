import Foundation
import Testing
@testable import RapportMerge

/// The user-visible promises of the merge, one scenario each.
@Suite("Merge scenarios")
struct ScenarioTests {
    let hour: Int64 = 3_600_000

    @Test("a causally later edit wins even from a device whose wall clock is an hour behind")
    func laterEditWinsDespiteSlowClock() throws {
        var phone = Device(Fixture.phone)
        var laptop = Device(Fixture.laptop, skewMillis: -hour)
        let now = Fixture.start
        var onPhone = RecordVersion.create(entity: "assessment", id: "a1", fields: ["trust": .string("high")], stamp: phone.stamp(at: now))
        // The laptop sees the phone's edit, then changes its mind a minute later by its own (slow) clock.
        try laptop.receive(onPhone, at: now + 60_000)
        var onLaptop = onPhone
        onLaptop.write(["trust": .string("low")], stamp: laptop.stamp(at: now + 60_000))

        #expect(classify(onLaptop, against: onPhone) == .fastForward)
        #expect(conflicts(between: onPhone, and: onLaptop).isEmpty)
        onPhone = merge(onPhone, onLaptop)
        #expect(onPhone.values["trust"] == .string("low"))
        #expect(merge(onLaptop, onPhone) == onPhone)
    }

    @Test("a restored copy that edits one field, then another, cannot hide the original's concurrent edit")
    func reusedWriteNumberAcrossFieldsIsAConflict() {
        var original = Device(Fixture.phone)
        let base = RecordVersion.create(entity: "account", id: "acme", fields: ["owner": .string("kim"), "arr": .number(1)],
                                        stamp: original.stamp(at: Fixture.start))
        // The original writes the owner (its write 2) and syncs it; then the file is restored from
        // a backup taken before that write and goes on under the same id.
        var synced = base
        synced.write(["owner": .string("sam")], stamp: original.stamp(at: Fixture.start + 10))
        var copy = base
        var restored = Device(Fixture.phone)
        restored.clock = HybridLogicalClock(latest: base.deleted.stamp.hlc)
        copy.write(["arr": .number(2)], stamp: restored.stamp(at: Fixture.start + 20))       // write 2 again, another field
        copy.write(["owner": .string("lee")], stamp: restored.stamp(at: Fixture.start + 30)) // write 3, the owner

        let found = conflicts(between: synced, and: copy)
        #expect(found.map(\.field) == ["owner"])
        #expect(found.first?.losingValue.value == .string("sam"))
        #expect(conflicts(between: copy, and: synced).map(\.field) == ["owner"])
        #expect(merge(synced, copy).values["owner"] == .string("lee"))
    }

    @Test("concurrent edits to different fields both survive, with no conflict")
    func differentFieldsBothSurvive() {
        var phone = Device(Fixture.phone), laptop = Device(Fixture.laptop)
        let base = RecordVersion.create(entity: "assessment", id: "a1", fields: ["trust": .string("high"), "note": .string("kickoff")], stamp: phone.stamp(at: Fixture.start))
        var a = base, b = base
        a.write(["trust": .string("low")], stamp: phone.stamp(at: Fixture.start + 10))
        b.write(["note": .string("exec sponsor left")], stamp: laptop.stamp(at: Fixture.start + 20))

        #expect(classify(b, against: a) == .concurrent)
        #expect(conflicts(between: a, and: b).isEmpty)
        let merged = merge(a, b)
        #expect(merged.values == ["trust": .string("low"), "note": .string("exec sponsor left")])
        #expect(merge(b, a) == merged)
    }

    @Test("the same field edited concurrently resolves identically on both sides and is journaled on both")
    func sameFieldConflict() throws {
        var phone = Device(Fixture.phone), laptop = Device(Fixture.laptop)
        let base = RecordVersion.create(entity: "assessment", id: "a1", fields: ["trust": .string("high")], stamp: phone.stamp(at: Fixture.start))
        var onLaptop = base, onPhone = base
        onLaptop.write(["trust": .string("low")], stamp: laptop.stamp(at: Fixture.start + 1_000))
        // Writing the current value again is no write at all, so the phone goes low and back to high.
        onPhone.write(["trust": .string("low")], stamp: phone.stamp(at: Fixture.start + 2_000))
        onPhone.write(["trust": .string("high"), "note": .string("call went well")], stamp: phone.stamp(at: Fixture.start + 3_000))

        let atPhone = conflicts(between: onPhone, and: onLaptop)
        let atLaptop = conflicts(between: onLaptop, and: onPhone)
        let phoneConflict = try #require(atPhone.first)
        #expect(atPhone.count == 1 && atLaptop.count == 1)
        #expect(phoneConflict.field == "trust" && phoneConflict.winner == .local && phoneConflict.reason == .laterStamp)
        #expect(phoneConflict.losingValue.value == .string("low"))
        #expect(atLaptop.first?.winner == .remote)
        #expect(merge(onPhone, onLaptop).values["trust"] == .string("high"))
        #expect(merge(onPhone, onLaptop) == merge(onLaptop, onPhone))
    }

    @Test("a delete is not undone by a concurrent edit, and a later explicit restore brings the edit back")
    func deleteBeatsConcurrentEditRestoreWins() throws {
        var phone = Device(Fixture.phone), laptop = Device(Fixture.laptop)
        let base = RecordVersion.create(entity: "account", id: "acme", fields: ["name": .string("Acme")], stamp: phone.stamp(at: Fixture.start))
        var deletedOnPhone = base, editedOnLaptop = base
        deletedOnPhone.delete(stamp: phone.stamp(at: Fixture.start + 1_000))
        // The edit is *later* by the clock, but it never saw the delete.
        editedOnLaptop.write(["name": .string("Acme Corp")], stamp: laptop.stamp(at: Fixture.start + 5_000))

        let found = conflicts(between: deletedOnPhone, and: editedOnLaptop)
        #expect(found.map(\.kind) == [.deleteVersusEdit])
        #expect(found.first?.winner == .local && found.first?.reason == .deleteWins)
        var merged = merge(deletedOnPhone, editedOnLaptop)
        #expect(merged.isDeleted)
        #expect(merged.values["name"] == .string("Acme Corp"))

        try laptop.receive(merged, at: Fixture.start + 6_000)
        var restored = merged
        restored.restore(stamp: laptop.stamp(at: Fixture.start + 6_000))
        merged = merge(merged, restored)
        #expect(!merged.isDeleted)
        #expect(merged.values["name"] == .string("Acme Corp"))
    }

    @Test("a restore concurrent with a re-delete is a journaled conflict on the deleted flag")
    func concurrentRestoreAndDelete() {
        var phone = Device(Fixture.phone), laptop = Device(Fixture.laptop)
        var base = RecordVersion.create(entity: "account", id: "acme", fields: ["name": .string("Acme")], stamp: phone.stamp(at: Fixture.start))
        base.delete(stamp: phone.stamp(at: Fixture.start + 1))
        var a = base, b = base
        a.restore(stamp: phone.stamp(at: Fixture.start + 10))
        b.write(["name": .string("Acme 2")], stamp: laptop.stamp(at: Fixture.start + 5))
        b.restore(stamp: laptop.stamp(at: Fixture.start + 20))
        b.delete(stamp: laptop.stamp(at: Fixture.start + 30))
        let found = conflicts(between: a, and: b)
        #expect(found.contains { $0.field == "deleted" && $0.kind == .field && $0.winner == .remote })
        #expect(merge(a, b).isDeleted)
    }

    @Test("an unchanged value gets no new stamp and does not advance the clock")
    func unchangedWriteIsNoOp() {
        var phone = Device(Fixture.phone)
        var v = RecordVersion.create(entity: "account", id: "acme", fields: ["name": .string("Acme")], stamp: phone.stamp(at: Fixture.start))
        let before = v
        #expect(v.write(["name": .string("Acme")], stamp: phone.stamp(at: Fixture.start + 1)).isEmpty)
        #expect(v == before)
        #expect(v.write(["name": .string("Acme"), "owner": .string("dana")], stamp: phone.stamp(at: Fixture.start + 2)) == ["owner"])
        #expect(v.fields["name"] == before.fields["name"])
        #expect(v.clock[Fixture.phone] == 2)
    }

    @Test("equal stamps with different values (a cloned replica) resolve the same way everywhere")
    func clonedReplicaTieBreak() {
        let s = Fixture.stamp(Fixture.start, 0, Fixture.phone)
        let a = RecordVersion(entity: "account", id: "x", clock: VectorClock([Fixture.phone: 1]), fields: ["name": Stamped(.string("A"), stamp: s, dot: 1)], deleted: Stamped(false, stamp: s, dot: 1))
        var b = a
        b.fields["name"] = Stamped(.string("B"), stamp: s, dot: 1)
        #expect(merge(a, b) == merge(b, a))
        #expect(merge(a, b).values["name"] == .string("B"))
    }

    @Test("a version whose dots its clock has not seen is refused as corrupt")
    func validateRefusesForgedDots() throws {
        let s = Fixture.stamp(Fixture.start, 0, Fixture.phone)
        let good = RecordVersion.create(entity: "account", id: "x", fields: ["name": .string("A")], stamp: s)
        try good.validate()
        var forged = good
        forged.fields["name"] = Stamped(.string("B"), stamp: s, dot: 7)
        let error = #expect(throws: ReplicationError.self) { try forged.validate() }
        #expect(error?.code == .invalidVersion)
    }
}

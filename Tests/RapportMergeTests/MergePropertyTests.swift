import Foundation
import Testing
@testable import RapportMerge

/// Merge must be a semilattice on any input; these run thousands of random cases per seed.
@Suite("Merge algebra")
struct MergePropertyTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 2026]

    @Test("merge is commutative on any two versions", arguments: seeds)
    func commutative(seed: UInt64) {
        var gen = Generator(seed: seed)
        for i in 0..<2_000 {
            let a = gen.arbitraryVersion(), b = gen.arbitraryVersion()
            #expect(merge(a, b) == merge(b, a), "seed \(seed), case \(i)")
        }
    }

    @Test("merge is associative on any three versions", arguments: seeds)
    func associative(seed: UInt64) {
        var gen = Generator(seed: seed)
        for i in 0..<2_000 {
            let a = gen.arbitraryVersion(), b = gen.arbitraryVersion(), c = gen.arbitraryVersion()
            #expect(merge(merge(a, b), c) == merge(a, merge(b, c)), "seed \(seed), case \(i)")
        }
    }

    @Test("merge is idempotent, and merging what is already known changes nothing", arguments: seeds)
    func idempotent(seed: UInt64) {
        var gen = Generator(seed: seed)
        for i in 0..<2_000 {
            let a = gen.arbitraryVersion(), b = gen.arbitraryVersion()
            let ab = merge(a, b)
            #expect(merge(a, a) == a, "seed \(seed), case \(i)")
            #expect(merge(ab, b) == ab, "seed \(seed), case \(i)")
        }
    }

    @Test("any delivery order of any multiset of versions, with duplicates, converges", arguments: seeds)
    func anyOrderConverges(seed: UInt64) {
        var gen = Generator(seed: seed)
        for i in 0..<300 {
            var versions = (0..<gen.int(1...6)).map { _ in gen.arbitraryVersion() }
            versions += (0..<gen.int(0...4)).map { _ in versions[gen.int(0...versions.count - 1)] }
            let reference = versions.dropFirst().reduce(versions[0], merge)
            for _ in 0..<5 {
                let order = gen.shuffled(versions)
                let result = order.dropFirst().reduce(order[0], merge)
                #expect(result == reference, "seed \(seed), case \(i)")
            }
        }
    }

    @Test("honest replicas exchanging random edits converge, and every lost concurrent write is journaled", arguments: seeds)
    func randomSchedulesConverge(seed: UInt64) throws {
        var gen = Generator(seed: seed, replicaCount: 3)
        for round in 0..<100 {
            var devices = gen.replicas.map { Device($0, skewMillis: Int64(gen.int(-3_600_000...3_600_000))) }
            let origin = devices[0].stamp(at: Fixture.start)
            let created = RecordVersion.create(entity: "account", id: "acme", fields: ["name": .string("Acme"), "segment": .string("smb")], stamp: origin)
            var held = Array(repeating: created, count: devices.count)
            for index in devices.indices { try devices[index].receive(created, at: Fixture.start) }
            var journal: Set<Stamp> = []
            var everWritten: [Stamp: (field: String, write: Stamped<FieldValue>)] = [:]
            var writerClocks: [(field: String, stamp: Stamp, clock: VectorClock)] = []
            var now = Fixture.start
            for _ in 0..<40 {
                now += Int64(gen.int(0...2_000))
                let who = gen.int(0...devices.count - 1)
                if gen.chance(0.5) {
                    let field = ["name", "segment", "note"][gen.int(0...2)]
                    let stamp = devices[who].stamp(at: now)
                    let value = FieldValue.string("v\(gen.int(0...3))")
                    if gen.chance(0.1) {
                        _ = held[who].isDeleted ? held[who].restore(stamp: stamp) : held[who].delete(stamp: stamp)
                    } else if !held[who].write([field: value], stamp: stamp).isEmpty {
                        everWritten[stamp] = (field, held[who].fields[field]!)
                        writerClocks.append((field, stamp, held[who].clock))
                    }
                } else {
                    let from = gen.int(0...devices.count - 1)
                    guard from != who else { continue }
                    try devices[who].receive(held[from], at: now)
                    for conflict in conflicts(between: held[who], and: held[from]) where conflict.kind == .field {
                        journal.insert(conflict.losingValue.stamp)
                    }
                    held[who] = merge(held[who], held[from])
                }
            }
            // Final anti-entropy through replica 0, journaling like any other exchange.
            for step in Array(1..<held.count) + Array(1..<held.count) {
                for (into, from) in [(0, step), (step, 0)] {
                    for conflict in conflicts(between: held[into], and: held[from]) where conflict.kind == .field {
                        journal.insert(conflict.losingValue.stamp)
                    }
                    held[into] = merge(held[into], held[from])
                }
            }
            let final = held[0]
            for version in held { #expect(version == final, "seed \(seed), round \(round): replicas diverged") }
            // Every write missing from the final state must be accounted for: replaced by a
            // later-stamped write made by a replica that had seen it, or kept in the journal, or (two
            // concurrent writes of the same value are no conflict) its value lives on in an accounted,
            // later-stamped write. Checked from the newest write down.
            var accounted: [Stamp: Bool] = [:]
            for (stamp, written) in everWritten.sorted(by: { $0.key > $1.key }) {
                let winner = try #require(final.fields[written.field])
                if winner.stamp == stamp { accounted[stamp] = true; continue }
                #expect(winner.stamp > stamp, "seed \(seed), round \(round): \(written.field) lost to an older write")
                let overwrittenKnowingly = writerClocks.contains {
                    $0.field == written.field && $0.stamp > stamp && written.write.isSeen(by: $0.clock)
                }
                let valueLivesOn = everWritten.contains {
                    $0.key > stamp && $0.value.field == written.field && $0.value.write.value == written.write.value && accounted[$0.key] == true
                }
                accounted[stamp] = overwrittenKnowingly || valueLivesOn || journal.contains(stamp)
                #expect(accounted[stamp] == true, "seed \(seed), round \(round): \(written.field)@\(stamp) vanished without a journal entry")
            }
        }
    }
}

import Foundation
import Testing
@testable import RapportMerge

@Suite("Vector clocks")
struct VectorClockTests {
    let sx = try! ReplicaID("000000000000005a"), sy = try! ReplicaID("000000000000005b"), sz = try! ReplicaID("000000000000005c")

    @Test("the Dynamo paper's D1…D5 sequence orders as published")
    func dynamoScenario() {
        var d1 = VectorClock(); d1.increment(sx)                       // D1 ([Sx,1])
        var d2 = d1; d2.increment(sx)                                  // D2 ([Sx,2])
        var d3 = d2; d3.increment(sy)                                  // D3 ([Sx,2],[Sy,1])
        var d4 = d2; d4.increment(sz)                                  // D4 ([Sx,2],[Sz,1])
        var d5 = d3.joined(with: d4); d5.increment(sx)                 // D5 ([Sx,3],[Sy,1],[Sz,1])
        #expect(d1.compare(d2) == .before)
        #expect(d2.compare(d1) == .after)
        #expect(d3.compare(d2) == .after && d4.compare(d2) == .after)
        #expect(d3.compare(d4) == .concurrent && d4.compare(d3) == .concurrent)
        #expect(d3.compare(d5) == .before && d4.compare(d5) == .before)
        #expect(d5 == VectorClock([sx: 3, sy: 1, sz: 1]))
        #expect(d5.compare(d5) == .equal)
    }

    @Test("a missing entry counts as zero")
    func missingIsZero() {
        #expect(VectorClock([sx: 0]) == VectorClock())
        #expect(VectorClock([sx: 1]).compare(VectorClock()) == .after)
        #expect(VectorClock().compare(VectorClock([sy: 2])) == .before)
        #expect(VectorClock()[sz] == 0)
    }

    @Test("join is the pointwise maximum and is commutative, associative and idempotent", arguments: [7, 8, 9] as [UInt64])
    func joinLaws(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let ids = [sx, sy, sz]
        func random() -> VectorClock {
            VectorClock(Dictionary(uniqueKeysWithValues: ids.map { ($0, UInt64.random(in: 0...3, using: &rng)) }))
        }
        for i in 0..<1_000 {
            let a = random(), b = random(), c = random()
            #expect(a.joined(with: b) == b.joined(with: a), "seed \(seed) case \(i)")
            #expect(a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)), "seed \(seed) case \(i)")
            #expect(a.joined(with: a) == a, "seed \(seed) case \(i)")
            let j = a.joined(with: b)
            #expect([.after, .equal].contains(j.compare(a)), "seed \(seed) case \(i)")
            for id in ids { #expect(j[id] == max(a[id], b[id])) }
        }
    }

    @Test("clocks encode as an object from replica id to count and refuse bad keys")
    func codable() throws {
        let json = try JSONEncoder().encode(VectorClock([sx: 3]))
        #expect(String(decoding: json, as: UTF8.self) == #"{"000000000000005a":3}"#)
        #expect(try JSONDecoder().decode(VectorClock.self, from: json) == VectorClock([sx: 3]))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VectorClock.self, from: Data(#"{"DROP TABLE":1}"#.utf8)) }
    }
}

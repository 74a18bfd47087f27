import Foundation
@testable import RapportMerge

/// Replica ids and helpers shared by the merge tests.
enum Fixture {
    static let phone = try! ReplicaID("00000000000000a1")
    static let laptop = try! ReplicaID("00000000000000b2")
    static let tablet = try! ReplicaID("00000000000000c3")
    static let start: Int64 = 1_764_000_000_000  // 2025-11-24T16:00:00Z

    static func stamp(_ wall: Int64, _ counter: UInt32 = 0, _ replica: ReplicaID) -> Stamp {
        Stamp(hlc: HLCTimestamp(wallMillis: wall, counter: counter), replica: replica)
    }
}

/// A device in a test: a replica id with its own hybrid logical clock and wall-clock offset.
struct Device {
    let id: ReplicaID
    var clock = HybridLogicalClock()
    var skewMillis: Int64 = 0

    init(_ id: ReplicaID, skewMillis: Int64 = 0) {
        self.id = id
        self.skewMillis = skewMillis
    }

    mutating func stamp(at now: Int64) -> Stamp {
        Stamp(hlc: clock.tick(now: now + skewMillis), replica: id)
    }

    mutating func receive(_ version: RecordVersion, at now: Int64) throws {
        try clock.receive(version.maxStamp.hlc, now: now + skewMillis)
    }
}

/// Random versions and schedules for property tests; every failure message carries the seed.
struct Generator {
    var rng: SplitMix64
    let replicas: [ReplicaID]
    static let fieldNames = ["name", "trust", "respect", "note"]
    static let values: [FieldValue] = [.null, .bool(true), .bool(false), .number(1), .number(-2.5), .string("a"), .string("b"), .string("é")]

    init(seed: UInt64, replicaCount: Int = 4) {
        rng = SplitMix64(seed: seed)
        var ids: [ReplicaID] = []
        for _ in 0..<replicaCount { ids.append(ReplicaID.random(using: &rng)) }
        replicas = ids
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    mutating func stamp() -> Stamp {
        // A narrow range makes equal readings (and equal stamps) common.
        Fixture.stamp(Fixture.start + Int64(int(0...3)), UInt32(int(0...1)), replicas[int(0...replicas.count - 1)])
    }

    /// An arbitrary version, including ones no honest replica would produce (equal stamps, odd clocks).
    mutating func arbitraryVersion() -> RecordVersion {
        var clock = VectorClock()
        for replica in replicas where chance(0.6) {
            for _ in 0..<int(1...3) { clock.increment(replica) }
        }
        var fields: [String: Stamped<FieldValue>] = [:]
        for name in Self.fieldNames where chance(0.7) {
            fields[name] = Stamped(Self.values[int(0...Self.values.count - 1)], stamp: stamp(), dot: UInt64(int(1...3)))
        }
        return RecordVersion(entity: "assessment", id: "r1", clock: clock, fields: fields,
                             deleted: Stamped(chance(0.3), stamp: stamp(), dot: UInt64(int(1...3))))
    }

    mutating func shuffled<T>(_ items: [T]) -> [T] { items.shuffled(using: &rng) }
}

import Foundation
import Testing
@testable import RapportMerge

@Suite("Hybrid logical clock")
struct HybridLogicalClockTests {
    @Test("readings strictly increase even when the wall clock goes backwards or stands still")
    func monotonic() {
        var clock = HybridLogicalClock()
        var previous = HLCTimestamp.zero
        for now in [1_000, 1_000, 999, 500, 2_000, 2_000, 1_500] as [Int64] {
            let reading = clock.tick(now: now)
            #expect(reading > previous)
            previous = reading
        }
        #expect(previous == HLCTimestamp(wallMillis: 2_000, counter: 2))
    }

    @Test("receiving a remote reading moves later local readings past it")
    func receiveAdvances() throws {
        var clock = HybridLogicalClock()
        _ = clock.tick(now: 1_000)
        let after = try clock.receive(HLCTimestamp(wallMillis: 5_000, counter: 7), now: 1_001)
        #expect(after == HLCTimestamp(wallMillis: 5_000, counter: 8))
        #expect(clock.tick(now: 1_002) > after)
    }

    @Test("a remote reading beyond the allowed drift is refused, names both times, and changes nothing")
    func driftRefused() {
        var clock = HybridLogicalClock(maxDriftMillis: 60_000)
        let local = clock.tick(now: Fixture.start)
        let future = HLCTimestamp(wallMillis: 4_070_908_800_000)  // 2099-01-01
        let error = #expect(throws: ReplicationError.self) { try clock.receive(future, now: Fixture.start) }
        #expect(error?.code == .clockDrift)
        #expect(error?.message.contains("2099-01-01") == true)
        #expect(error?.message.contains("2025-11-24") == true)
        #expect(clock.latest == local)
        #expect((try? clock.receive(HLCTimestamp(wallMillis: Fixture.start + 59_000), now: Fixture.start)) != nil)
    }

    @Test("the default drift allowance is 24 hours")
    func defaultDrift() throws {
        var clock = HybridLogicalClock()
        try clock.receive(HLCTimestamp(wallMillis: Fixture.start + 23 * 3_600_000), now: Fixture.start)
        #expect(throws: ReplicationError.self) { try clock.receive(HLCTimestamp(wallMillis: Fixture.start + 25 * 3_600_000), now: Fixture.start) }
    }

    @Test("a counter at its maximum carries into the next millisecond")
    func counterOverflow() {
        var clock = HybridLogicalClock(latest: HLCTimestamp(wallMillis: 10, counter: .max))
        #expect(clock.tick(now: 5) == HLCTimestamp(wallMillis: 11, counter: 0))
    }
}

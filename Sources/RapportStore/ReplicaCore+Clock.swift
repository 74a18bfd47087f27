import Foundation
import RapportMerge

extension ReplicaCore {
    /// The newest wall time this replica trusts: its own clock's, or the server's last reading if later.
    var trustedNow: Int64 { max(wallClock.millis, serverTime ?? .min) }

    /// Whether this replica's own writes have run the clock more than the drift bound ahead of
    /// everything it can vouch for (its device's wall time, the server's last reading, what it
    /// received): a write was made while the device clock was far ahead. A clock that is merely
    /// behind what it received does not count; it keeps its id and ticks on from what it saw.
    var clockRanAway: Bool { clock.latest.wallMillis > max(trustedNow, saneLatest.wallMillis) + clock.maxDriftMillis }

    /// Unpins a clock that a write made under a wrong device clock pushed into the future.
    ///
    /// Such a write is refused by every server (`clock_drift`), and every later write would be
    /// stamped after it and refused too. So this replica takes a fresh id, restarts its clock at
    /// the greatest reading it can vouch for, and re-stamps its own unsynced writes from the
    /// future in their original order: nobody else has seen them (a server refused them), so they
    /// lose nothing but a wrong time. Writes within the bound are left alone; servers accept them.
    /// Runs inside `write`.
    func recoverFromRunawayClock() throws {
        guard clockRanAway else { return }
        let base = max(HLCTimestamp(wallMillis: trustedNow, counter: 0), saneLatest)
        let bound = base.wallMillis + clock.maxDriftMillis
        try reidentify()
        // Its own writes: under the id it had until now, or an earlier one if it re-identified
        // (a restored copy noticed at a pull) while the clock was still wrong.
        let own = Set(try previousIDs())
        // Restart from everything the replica can vouch for: the future writes may have seen (and
        // overwritten) any of it, so their new stamps must come after it.
        clock = HybridLogicalClock(latest: base, maxDriftMillis: clock.maxDriftMillis)
        let statement = try db.cachedStatement("SELECT entity, id FROM _outbox ORDER BY change")
        var queued: [(entity: String, id: String)] = []
        while try statement.step() { queued.append((statement.string(0) ?? "", statement.string(1) ?? "")) }
        statement.reset()
        for (entity, id) in queued {
            guard let (stored, previous) = try loadStored(entity, id: id) else { continue }
            var version = stored
            let future = Set(version.allStamps.filter { own.contains($0.replica) && $0.hlc.wallMillis > bound }).sorted()
            guard !future.isEmpty else { continue }
            // The re-stamped writes saw everything else in the record: keep them after it.
            if let seen = version.allStamps.filter({ !future.contains($0) && $0.hlc.wallMillis <= bound }).max() {
                clock.observe(seen.hlc)
            }
            for stamp in future {
                let fresh = nextStamp()
                let dot = version.clock.increment(replicaID)
                for (name, field) in version.fields where field.stamp == stamp {
                    version.fields[name] = Stamped(field.value, stamp: fresh, dot: dot)
                }
                if version.deleted.stamp == stamp { version.deleted = Stamped(version.deleted.value, stamp: fresh, dot: dot) }
            }
            try storeLocal(version, over: stored, previous: previous)
        }
    }

    /// Remembers the server's wall time (from its `Date` header), in the current write.
    func noteServerTime(_ millis: Int64?) throws {
        guard let millis else { return }
        serverTime = millis
        let statement = try db.cachedStatement("UPDATE _replica SET server_time = ?")
        try statement.bind(millis, at: 1)
        try statement.run()
    }
}

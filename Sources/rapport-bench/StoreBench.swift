import ArgumentParser
import Foundation
import RapportMerge
import RapportModel
import RapportStore

/// Local write and apply-remote throughput of the store against raw SQLite.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Write N assessments through the store's batch API and apply N remote versions; compare with raw SQLite.")

    @Option(help: "How many assessment rows.") var rows = 200_000
    @Option(help: "Remote versions per applied page (one transaction each, as a sync client applies them).") var page = 10_000
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard rows >= 2 else { throw ValidationError("--rows must be at least 2") }
        guard page >= 1 else { throw ValidationError("--page must be at least 1") }
    }

    static let epoch = Date(timeIntervalSince1970: 1_764_000_000)

    static func assessment(_ i: Int) -> Assessment {
        Assessment(id: "as-\(i)", accountID: "acct-\(i % 1000)", stakeholderID: i % 3 == 0 ? "st-\(i % 500)" : nil,
                   assessedAt: epoch.addingTimeInterval(Double(i)), trust: i % 2 == 0 ? .high : .low,
                   respect: i % 5 == 0 ? .low : .high, note: "quarterly review \(i)")
    }

    func run() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store.create(at: directory.appendingPathComponent("store.db").path, name: "bench")
        let raw = try RawSQLite(path: directory.appendingPathComponent("raw.db").path)
        try raw.exec("""
            CREATE TABLE assessment (id TEXT PRIMARY KEY NOT NULL, accountID TEXT, stakeholderID TEXT, assessedAt REAL, trust TEXT, respect TEXT, note TEXT);
            CREATE INDEX assessment_account_time ON assessment(accountID, assessedAt);
            """)

        // Local writes: one batch transaction through the store, one transaction of raw INSERTs.
        let writeSeconds = try time {
            try store.batch { batch in for i in 0..<rows { try batch.create(Self.assessment(i)) } }
        }
        let insert = try raw.prepare("INSERT INTO assessment (id, accountID, stakeholderID, assessedAt, trust, respect, note) VALUES (?, ?, ?, ?, ?, ?, ?)")
        let rawInsertSeconds = try time {
            try raw.exec("BEGIN IMMEDIATE")
            for i in 0..<rows { try bindAndStep(raw, insert, Self.assessment(i)) }
            try raw.exec("COMMIT")
        }
        raw.finalize(insert)

        // Remote versions of the same records: even rows carry a newer note from another replica,
        // odd rows are versions the store already holds (as a re-delivery after a crash would be).
        var remoteClock = HybridLogicalClock()
        let remote = ReplicaID.random()
        let upsert = try raw.prepare("""
            INSERT INTO assessment (id, accountID, stakeholderID, assessedAt, trust, respect, note) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET accountID = excluded.accountID, stakeholderID = excluded.stakeholderID,
            assessedAt = excluded.assessedAt, trust = excluded.trust, respect = excluded.respect, note = excluded.note
            """)
        var applySeconds = 0.0, rawUpsertSeconds = 0.0, applied = 0, updated = 0
        for start in stride(from: 0, to: rows, by: page) {
            let range = start..<min(rows, start + page)
            var versions: [RecordVersion] = []
            versions.reserveCapacity(range.count)
            var rowsForRaw: [Assessment] = []
            for i in range {
                guard var version = try store.version(entity: "assessment", id: "as-\(i)") else { throw BenchError("as-\(i) missing") }
                var row = Self.assessment(i)
                if i % 2 == 0 {
                    try remoteClock.receive(version.maxStamp.hlc, now: Int64(Date().timeIntervalSince1970 * 1000))
                    row.note = "remote follow-up \(i)"
                    version.write(["note": .string(row.note)], stamp: Stamp(hlc: remoteClock.tick(now: Int64(Date().timeIntervalSince1970 * 1000)), replica: remote))
                }
                versions.append(version)
                rowsForRaw.append(row)
            }
            applySeconds += try time {
                let report = try store.apply(versions, cursor: "bench-\(range.upperBound)")
                applied += report.outcomes.count
                updated += report.updated
            }
            rawUpsertSeconds += try time {
                try raw.exec("BEGIN IMMEDIATE")
                for row in rowsForRaw { try bindAndStep(raw, upsert, row) }
                try raw.exec("COMMIT")
            }
        }
        raw.finalize(upsert)
        guard applied == rows, updated == (rows + 1) / 2 else {
            throw BenchError("apply reported \(applied) versions and \(updated) updates; expected \(rows) and \((rows + 1) / 2)")
        }

        let n = Double(rows)
        printFigures([
            ("rows", n),
            ("write_per_s", n / writeSeconds),
            ("raw_insert_per_s", n / rawInsertSeconds),
            ("write_ratio", rawInsertSeconds / writeSeconds),
            ("apply_per_s", n / applySeconds),
            ("raw_upsert_per_s", n / rawUpsertSeconds),
            ("apply_ratio", rawUpsertSeconds / applySeconds),
            ("peak_rss_mb", peakRSSMegabytes()),
        ], json: json)
    }

    private func bindAndStep(_ raw: RawSQLite, _ statement: OpaquePointer, _ a: Assessment) throws {
        raw.bind(statement, 1, a.id)
        raw.bind(statement, 2, a.accountID)
        raw.bind(statement, 3, a.stakeholderID)
        raw.bind(statement, 4, (a.assessedAt.timeIntervalSince1970 * 1000).rounded())
        raw.bind(statement, 5, a.trust.rawValue)
        raw.bind(statement, 6, a.respect.rawValue)
        raw.bind(statement, 7, a.note)
        try raw.step(statement)
    }
}

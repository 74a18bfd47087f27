import Foundation
import RapportModel
import RapportStore
import Testing

/// Scorecard records made on two laptops offline and exchanged with `rapport export` / `import`.
extension CLITests {
    /// Creates a.db and b.db, each with the NPS objective, as two laptops would before ever syncing.
    private static func twoOfflineLaptopsWithNPS(_ dir: URL) throws {
        for db in ["a.db", "b.db"] {
            try #require(rapport(["init", "--db", db, "--name", String(db.prefix(1))], in: dir).status == 0)
            try #require(rapport(["objective", "add", "nps", "--linear=-100:100", "--db", db], in: dir).status == 0)
        }
    }

    private static func exchangeBundles(_ dir: URL) throws {
        for db in ["a", "b"] { try #require(rapport(["export", "--db", "\(db).db", "-o", "\(db).json"], in: dir).status == 0) }
        try #require(rapport(["import", "b.json", "--db", "a.db"], in: dir).status == 0)
        try #require(rapport(["import", "a.json", "--db", "b.db"], in: dir).status == 0)
    }

    private static func conflictFields(_ db: String, in dir: URL) throws -> [String] {
        let out = try rapport(["conflicts", "--json", "--db", db], in: dir).out
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
        return entries.map { "\($0["entity"] ?? "").\($0["field"] ?? "")" }.sorted()
    }

    @Test("the NPS of one quarter measured on two offline laptops scores on both after export and import, and the two values are one conflict")
    func oneQuarterMeasuredOnTwoLaptops() throws {
        try Self.withDirectory { dir in
            try Self.twoOfflineLaptopsWithNPS(dir)
            for db in ["a.db", "b.db"] {
                try #require(Self.rapport(["weights", "set", "nps=1", "--from", "2026-07-01", "--db", db], in: dir).status == 0)
            }
            try #require(Self.rapport(["measure", "nps", "40", "--period", "2026-Q3", "--db", "a.db"], in: dir).status == 0)
            try #require(Self.rapport(["measure", "nps", "60", "--period", "2026-Q3", "--db", "b.db"], in: dir).status == 0)
            try Self.exchangeBundles(dir)

            let a = try Self.rapport(["score", "--period", "2026-Q3", "--json", "--db", "a.db"], in: dir)
            let b = try Self.rapport(["score", "--period", "2026-Q3", "--json", "--db", "b.db"], in: dir)
            #expect(a.status == 0 && b.status == 0, "\(a.err)\(b.err)")
            #expect(a.out == b.out && !a.out.isEmpty)
            #expect(a.err.isEmpty)
            for db in ["a.db", "b.db"] { #expect(try Self.conflictFields(db, in: dir) == ["measurement.value"]) }
        }
    }

    @Test("weights set from one date on two offline laptops score on both after export and import, and the differing weights are a conflict")
    func weightsFromOneDateOnTwoLaptops() throws {
        try Self.withDirectory { dir in
            try Self.twoOfflineLaptopsWithNPS(dir)
            try #require(Self.rapport(["weights", "set", "nps=1", "--from", "2026-07-01", "--reason", "plan", "--db", "a.db"], in: dir).status == 0)
            try #require(Self.rapport(["weights", "set", "nps=3", "--from", "2026-07-01", "--reason", "breakdown", "--db", "b.db"], in: dir).status == 0)
            for db in ["a.db", "b.db"] {
                try #require(Self.rapport(["measure", "nps", "50", "--period", "2026-Q3", "--db", db], in: dir).status == 0)
            }
            try Self.exchangeBundles(dir)

            for db in ["a.db", "b.db"] {
                let score = try Self.rapport(["score", "--period", "2026-Q3", "--db", db], in: dir)
                #expect(score.status == 0, "\(score.err)")
                #expect(score.out.contains("Score for 2026-Q3: 75.0 / 100"))
                #expect(try Self.conflictFields(db, in: dir) == ["weightSet.reason", "weightSet.weights"])
            }
            #expect(try Self.rapport(["weights", "list", "--json", "--db", "a.db"], in: dir).out
                == Self.rapport(["weights", "list", "--json", "--db", "b.db"], in: dir).out)
        }
    }

    @Test("a database that already holds duplicate measurements and weight sets still scores, says which it used, and measuring again keeps one")
    func duplicatesFromBeforeNaturalIDs() throws {
        try Self.withDirectory { dir in
            // What the old CLI left after two laptops synced: random ids for one quarter and one date.
            do {
                let store = try Store.create(at: dir.appendingPathComponent("old.db").path)
                let july = try Period("2026-Q3").start, q3 = try Period("2026-Q3")
                try store.objectives.create(Objective(id: "obj-1a2b3c4d", key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .linear(lower: -100, upper: 100)))
                try store.weightSets.createAll([
                    WeightSet(id: "weights-0000000a", effectiveFrom: july, weights: ["obj-1a2b3c4d": 1]),
                    WeightSet(id: "weights-0000000b", effectiveFrom: july, weights: ["obj-1a2b3c4d": 2]),
                ])
                try store.measurements.create(RapportModel.Measurement(id: "m-0000000a", objectiveID: "obj-1a2b3c4d", period: q3, value: 40))
                try store.measurements.create(RapportModel.Measurement(id: "m-0000000b", objectiveID: "obj-1a2b3c4d", period: q3, value: 60))
            }
            let before = try Self.rapport(["score", "--period", "2026-Q3", "--db", "old.db"], in: dir)
            #expect(before.status == 0, "\(before.err)")
            #expect(before.out.contains("Score for 2026-Q3: 80.0 / 100"))
            #expect(before.err.contains("2 measurements for 2026-Q3 (m-0000000b, m-0000000a); using m-0000000b"))
            #expect(before.err.contains("2 weight sets take effect at 2026-07-01"))

            let measured = try Self.rapport(["measure", "nps", "50", "--period", "2026-Q3", "--db", "old.db"], in: dir)
            #expect(measured.out.contains("(replaced 60.0)") && measured.out.contains("Deleted duplicate measurements m-0000000a"))
            let weighed = try Self.rapport(["weights", "set", "nps=1", "--from", "2026-07-01", "--db", "old.db"], in: dir)
            #expect(weighed.status == 0 && weighed.out.contains("Deleted duplicate weight sets weights-0000000a"), "\(weighed.err)")

            let after = try Self.rapport(["score", "--period", "2026-Q3", "--db", "old.db"], in: dir)
            #expect(after.out.contains("Score for 2026-Q3: 75.0 / 100") && after.err.isEmpty)
        }
    }
}

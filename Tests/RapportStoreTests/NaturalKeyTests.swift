import Foundation
import RapportMerge
import RapportModel
@testable import RapportStore
import Testing

/// Records that exist at most once (an objective per key, a measurement per objective and period,
/// a weight set per effective date) created on two offline devices, and databases that already
/// hold duplicates of them from before natural ids.
@Suite final class NaturalKeyTests {
    private let directory: URL
    private static let july = Date(timeIntervalSince1970: 1_782_864_000)  // 2026-07-01T00:00:00Z
    private static let q3 = try! Period("2026-Q3")

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("NaturalKeyTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func replica(_ name: String) throws -> Store {
        try Store.create(at: directory.appendingPathComponent("\(name).rapport").path, name: name)
    }

    /// Each replica merges everything the other has, as two laptops exchanging bundles would.
    private func exchange(_ a: Store, _ b: Store) throws {
        let fromA = try a.allVersions(), fromB = try b.allVersions()
        _ = try b.apply(fromA)
        _ = try a.apply(fromB)
    }

    /// What one device does offline: add NPS, weigh it from 1 July, measure Q3.
    private func scoreNPS(on store: Store, value: Double, weight: Double = 1, reason: String = "plan") throws {
        let nps = try store.objectives.save(Objective(key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .linear(lower: -100, upper: 100))).saved
        try store.weightSets.save(WeightSet(effectiveFrom: Self.july, reason: reason, weights: [nps.id: weight]))
        try store.measurements.save(RapportModel.Measurement(objectiveID: nps.id, period: Self.q3, value: value))
    }

    @Test func twoDevicesMeasuringOneQuarterOfflineEndWithOneMeasurementAValueConflictAndTheSameScore() throws {
        let a = try replica("a"), b = try replica("b")
        try scoreNPS(on: a, value: 40)
        try scoreNPS(on: b, value: 60)
        try exchange(a, b)

        for store in [a, b] {
            #expect(try store.objectives.list().count == 1)
            #expect(try store.weightSets.list().count == 1)
            #expect(try store.measurements.list().count == 1)
            let conflicts = try store.conflicts().map(\.conflict)
            #expect(conflicts.map { "\($0.entity).\($0.field)" } == ["measurement.value"])
            #expect(Set(conflicts.flatMap { [$0.local.value, $0.remote.value] }) == [.number(40), .number(60)])
        }
        let scoreA = try a.scorecard(for: Self.q3), scoreB = try b.scorecard(for: Self.q3)
        #expect(scoreA == scoreB)
        #expect(scoreA.overall == 70 || scoreA.overall == 80)
    }

    @Test func twoDevicesSettingWeightsFromOneDateOfflineEndWithOneWeightSetAndAConflictNotABrokenScorecard() throws {
        let a = try replica("a"), b = try replica("b")
        try scoreNPS(on: a, value: 50, weight: 1, reason: "balanced")
        try scoreNPS(on: b, value: 50, weight: 3, reason: "after the service breakdown")
        try exchange(a, b)

        for store in [a, b] {
            #expect(try store.weightSets.list().map(\.id) == ["weights:2026-07-01"])
            #expect(Set(try store.conflicts().map(\.conflict.field)) == ["reason", "weights"])
            #expect(try store.scorecard(for: Self.q3).overall == 75)
        }
        #expect(try a.weightSets.list() == b.weightSets.list())
        #expect(try a.scorecard(for: Self.q3) == b.scorecard(for: Self.q3))
    }

    @Test func anObjectiveAddedWithOneKeyOnTwoDevicesIsOneObjectiveWhoseDifferingFieldsConflict() throws {
        let a = try replica("a"), b = try replica("b")
        try a.objectives.save(Objective(key: .grossChurn, name: "Gross churn", direction: .lowerIsBetter, normaliser: .linear(lower: 0, upper: 0.2)))
        try b.objectives.save(Objective(key: .grossChurn, name: "Churn", direction: .lowerIsBetter, normaliser: .linear(lower: 0, upper: 0.2)))
        try a.objectives.save(Objective(key: .custom("Acme expansion"), name: "x", direction: .higherIsBetter, normaliser: .passthrough))
        try b.objectives.save(Objective(key: .custom("Acme expansion"), name: "x", direction: .higherIsBetter, normaliser: .passthrough))
        try exchange(a, b)

        for store in [a, b] {
            let objectives = try store.objectives.list()
            #expect(objectives.map(\.key) == [.custom("Acme expansion"), .grossChurn])
            #expect(!objectives.contains { $0.id.contains("Acme") })
            #expect(try store.conflicts().map { "\($0.conflict.entity).\($0.conflict.field)" } == ["objective.name"])
        }
    }

    @Test func savingADeletedMeasurementRestoresItWithTheNewValueInsteadOfFailing() throws {
        let store = try replica("a")
        let first = try store.measurements.save(RapportModel.Measurement(objectiveID: "o1", period: Self.q3, value: 1))
        #expect(first.outcome == .created)
        try store.measurements.delete(id: first.saved.id)

        let again = try store.measurements.save(RapportModel.Measurement(objectiveID: "o1", period: Self.q3, value: 2))
        #expect(again.outcome == .restored(["value"]))
        #expect(try store.measurements.list() == [RapportModel.Measurement(id: first.saved.id, objectiveID: "o1", period: Self.q3, value: 2)])
        #expect(try store.measurements.save(RapportModel.Measurement(objectiveID: "o1", period: Self.q3, value: 2)).outcome == .updated([]))
    }

    /// A database written by the old code: each device gave its records random ids, and they synced.
    private func databaseWithDuplicatesFromBeforeNaturalIDs() throws -> (a: Store, b: Store) {
        let a = try replica("a"), b = try replica("b")
        try a.objectives.create(Objective(id: "obj-1a2b3c4d", key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .linear(lower: -100, upper: 100)))
        try exchange(a, b)
        try a.weightSets.create(WeightSet(id: "weights-0000000a", effectiveFrom: Self.july, reason: "a", weights: ["obj-1a2b3c4d": 1]))
        try a.measurements.create(RapportModel.Measurement(id: "m-0000000a", objectiveID: "obj-1a2b3c4d", period: Self.q3, value: 40))
        Thread.sleep(forTimeInterval: 0.005)
        try b.weightSets.create(WeightSet(id: "weights-0000000b", effectiveFrom: Self.july, reason: "b", weights: ["obj-1a2b3c4d": 2]))
        try b.measurements.create(RapportModel.Measurement(id: "m-0000000b", objectiveID: "obj-1a2b3c4d", period: Self.q3, value: 60))
        try exchange(a, b)
        return (a, b)
    }

    @Test func duplicatesAlreadyInADatabaseStillScoreOnEveryReplicaUsingTheOneWrittenLast() throws {
        let (a, b) = try databaseWithDuplicatesFromBeforeNaturalIDs()
        for store in [a, b] {
            #expect(try store.measurements.list().count == 2 && store.weightSets.list().count == 2)
            let report = try store.scorecard(for: Self.q3)
            #expect(report.weightSetID == "weights-0000000b")
            #expect(report.lines.map(\.raw) == [60])
            let measurements = try store.distinct(RapportModel.Measurement.self)
            #expect(measurements.records.map(\.id) == ["m-0000000b"])
            #expect(measurements.duplicates.map { $0.others.map(\.id) } == [["m-0000000a"]])
            #expect(try store.distinct(WeightSet.self).duplicates.map(\.kept.id) == ["weights-0000000b"])
        }
    }

    @Test func savingAKeyThatHasDuplicatesKeepsOneRecordOnEveryReplicaAndKeepsTheObjectivesID() throws {
        let (a, b) = try databaseWithDuplicatesFromBeforeNaturalIDs()
        let objective = try a.objectives.save(Objective(key: .nps, name: "Net Promoter Score", direction: .higherIsBetter, normaliser: .linear(lower: -100, upper: 100)))
        #expect(objective.saved.id == "obj-1a2b3c4d" && objective.outcome == .updated(["name"]))

        let measured = try a.measurements.save(RapportModel.Measurement(objectiveID: "obj-1a2b3c4d", period: Self.q3, value: 50))
        #expect(measured.saved.id == "m-0000000b" && measured.retired == ["m-0000000a"])
        let weighed = try a.weightSets.save(WeightSet(effectiveFrom: Self.july, reason: "agreed", weights: ["obj-1a2b3c4d": 1]))
        #expect(weighed.saved.id == "weights-0000000b" && weighed.retired == ["weights-0000000a"])
        try exchange(a, b)

        for store in [a, b] {
            #expect(try store.measurements.list().map(\.value) == [50])
            #expect(try store.weightSets.list().map(\.reason) == ["agreed"])
            #expect(try store.distinct(RapportModel.Measurement.self).duplicates.isEmpty)
            #expect(try store.scorecard(for: Self.q3).overall == 75)
        }
    }
}

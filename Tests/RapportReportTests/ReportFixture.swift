import Foundation
import RapportModel
import RapportStore

/// A small book of business in a real store: three accounts (one with a hostile name), per-stakeholder
/// assessments, a crisis that held and one that dropped, three objectives, and weights that change
/// for November (a service breakdown) when customer ROI joins without a November measurement.
final class ReportFixture {
    static let hostileAccount = "<script>alert(\"x\")</script> & Co's"
    static let hostileStakeholder = "Zoë 🚀 \u{1B}[31m<b>red</b>"
    let directory: URL
    let store: Store
    private(set) var objectiveIDs: [String: String] = [:]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ReportTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store.create(at: directory.appendingPathComponent("replica.rapport").path)
        try fill()
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static func day(_ text: String) -> Date {
        try! Date(text + "T00:00:00Z", strategy: Date.ISO8601FormatStyle())
    }

    private func fill() throws {
        try store.accounts.createAll([
            Account(id: "a-acme", name: "Acme, Inc.", segment: "enterprise", arr: 250_000, owner: "dana"),
            Account(id: "a-globex", name: "Globex", segment: "mid", arr: 1_000_000, owner: "lee"),
            Account(id: "a-initech", name: Self.hostileAccount, segment: "smb", arr: 400_000, owner: "=cmd|'/c calc'!A1"),
            Account(id: "a-new", name: "Umbrella", arr: 75_000),
        ])
        try store.stakeholders.createAll([
            Stakeholder(id: "s-cfo", accountID: "a-acme", name: "Pat \"CFO\" O'Neil", role: "CFO"),
            Stakeholder(id: "s-cto", accountID: "a-acme", name: Self.hostileStakeholder, role: "CTO"),
        ])
        try store.assessments.createAll([
            Assessment(id: "x1", accountID: "a-acme", stakeholderID: "s-cfo", assessedAt: Self.day("2026-09-10"), trust: .high, respect: .high),
            Assessment(id: "x2", accountID: "a-acme", stakeholderID: "s-cto", assessedAt: Self.day("2026-10-10"), trust: .low, respect: .high,
                       note: "missed two calls,\n\"too busy\""),
            Assessment(id: "x3", accountID: "a-globex", assessedAt: Self.day("2026-08-01"), trust: .high, respect: .high),
            Assessment(id: "x4", accountID: "a-globex", assessedAt: Self.day("2026-10-20"), trust: .high, respect: .high),
            Assessment(id: "x5", accountID: "a-initech", assessedAt: Self.day("2026-08-01"), trust: .high, respect: .high),
            Assessment(id: "x6", accountID: "a-initech", assessedAt: Self.day("2026-10-25"), trust: .high, respect: .low),
        ])
        try store.crises.createAll([
            CrisisEvent(id: "c1", accountID: "a-globex", startedAt: Self.day("2026-09-01"), resolvedAt: Self.day("2026-09-20"), severity: .high, summary: "outage"),
            CrisisEvent(id: "c2", accountID: "a-initech", startedAt: Self.day("2026-09-05"), resolvedAt: Self.day("2026-10-01"), severity: .critical, summary: "data loss"),
            CrisisEvent(id: "c3", accountID: "a-acme", startedAt: Self.day("2026-11-02"), severity: .medium, summary: "late invoice"),
        ])
        for (key, objective) in [
            ("nps", Objective(key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .linear(lower: -100, upper: 100))),
            ("grossChurn", Objective(key: .grossChurn, name: "Gross churn", direction: .lowerIsBetter, normaliser: .linear(lower: 0, upper: 0.2))),
            ("roi", Objective(key: .customerROI, name: "Customer ROI", direction: .higherIsBetter, normaliser: .linear(lower: 0, upper: 5))),
        ] {
            objectiveIDs[key] = try store.objectives.save(objective).saved.id
        }
        let nps = objectiveIDs["nps"]!, churn = objectiveIDs["grossChurn"]!, roi = objectiveIDs["roi"]!
        try store.weightSets.save(WeightSet(effectiveFrom: Self.day("2026-09-01"), reason: "balanced start", weights: [nps: 1, churn: 1]))
        try store.weightSets.save(WeightSet(effectiveFrom: Self.day("2026-11-01"), reason: "service breakdown", weights: [nps: 1, churn: 3, roi: 1]))
        for (period, npsValue, churnValue) in [("2026-09", 20.0, 0.1), ("2026-10", 30.0, 0.08), ("2026-11", 10.0, 0.05)] {
            try store.measurements.save(Measurement(objectiveID: nps, period: try Period(period), value: npsValue))
            try store.measurements.save(Measurement(objectiveID: churn, period: try Period(period), value: churnValue))
        }
        // Another kind of period: in the CSV, not in a monthly trend.
        try store.measurements.save(Measurement(objectiveID: nps, period: try Period("2026-Q3"), value: -5))
    }
}

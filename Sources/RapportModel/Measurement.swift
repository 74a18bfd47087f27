/// The raw value of one objective for one period, such as gross churn 0.15 in 2026-Q2.
///
/// At most one measurement per objective and period may be given to a ``Scorecard`` report;
/// to correct a value, replace the measurement rather than adding another.
public struct Measurement: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var objectiveID: String
    public var period: Period
    public var value: Double

    public init(id: String, objectiveID: String, period: Period, value: Double) {
        self.id = id
        self.objectiveID = objectiveID
        self.period = period
        self.value = value
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case id, objectiveID, period, value
    }
}

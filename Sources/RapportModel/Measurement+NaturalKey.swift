extension Measurement {
    /// A measurement whose id is derived from its objective and period, so the same value recorded
    /// on two devices is one record (see ``NaturalID``).
    public init(objectiveID: String, period: Period, value: Double) {
        self.init(id: NaturalID.measurement(objectiveID: objectiveID, period: period), objectiveID: objectiveID, period: period, value: value)
    }

    /// The id a measurement of this objective and period has on every device.
    public var naturalID: String { NaturalID.measurement(objectiveID: objectiveID, period: period) }
}

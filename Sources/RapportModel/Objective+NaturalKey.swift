extension Objective {
    /// An objective whose id is derived from its key, so the same key added on two devices is one objective.
    public init(key: ObjectiveKey, name: String, direction: Direction, target: Double? = nil, normaliser: Normaliser) {
        self.init(id: NaturalID.objective(key), key: key, name: name, direction: direction, target: target, normaliser: normaliser)
    }

    /// The id an objective with this key has on every device (see ``NaturalID``).
    public var naturalID: String { NaturalID.objective(key) }
}

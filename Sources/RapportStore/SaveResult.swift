/// What `save` did to a naturally keyed record.
public struct SaveResult<Entity: NaturallyKeyedEntity>: Sendable {
    /// How the record came to hold the saved values.
    public enum Outcome: Hashable, Sendable {
        /// There was no record with this key; one was created with the natural id.
        case created
        /// The record existed; these fields changed (none: it already held the values).
        case updated([String])
        /// The record existed deleted and was brought back; these fields changed.
        case restored([String])
    }

    /// The record as saved, with the id it is stored under (an older record's id when one with
    /// the key already existed, else the natural id).
    public let saved: Entity
    /// The record before the save, if one with this key existed (live, else deleted).
    public let previous: Entity?
    public let outcome: Outcome
    /// Ids of other live records with the same key that the save deleted (duplicates from before natural ids).
    public let retired: [String]
}

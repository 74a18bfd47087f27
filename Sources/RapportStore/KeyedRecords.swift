/// The live records of a naturally keyed entity, one per key, and the duplicates left out.
///
/// Duplicates come from databases written before natural ids (two devices each creating the
/// record with a random id). The record kept for a key is the one written last (the greatest
/// stamp of any of its fields), ties broken by the smaller id, so every replica holding the same
/// versions keeps the same one. `save` of that key keeps one record and deletes the others.
public struct KeyedRecords<Entity: NaturallyKeyedEntity>: Sendable {
    /// Several live records with one key: the one reads use, and the others.
    public struct Duplicates: Sendable {
        public let kept: Entity
        /// Ordered by id.
        public let others: [Entity]
    }

    /// One per key, ordered by id.
    public let records: [Entity]
    /// Ordered by the kept record's id.
    public let duplicates: [Duplicates]
}

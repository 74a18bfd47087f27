import Foundation
import RapportMerge
import RapportModel

extension Store {
    /// The live records of `type` (optionally only those whose `field` equals `value`), one per
    /// natural key; see ``KeyedRecords`` for which one a duplicated key keeps.
    public func distinct<Entity: NaturallyKeyedEntity>(
        _ type: Entity.Type, where field: String? = nil, equals value: FieldValue? = nil
    ) throws -> KeyedRecords<Entity> {
        try withCore { core in
            try core.read {
                let live = try core.rows(Entity.schema.name, includeDeleted: false, whereField: field, equals: value)
                    .map { try Entity(id: $0.id, fieldValues: $0.values) }
                var records: [Entity] = []
                var duplicates: [KeyedRecords<Entity>.Duplicates] = []
                for group in Dictionary(grouping: live, by: \.naturalID).values {
                    let kept = try core.keeper(of: group)
                    records.append(kept)
                    if group.count > 1 {
                        duplicates.append(.init(kept: kept, others: group.filter { $0.id != kept.id }.sorted { $0.id < $1.id }))
                    }
                }
                return KeyedRecords(records: records.sorted { $0.id < $1.id }, duplicates: duplicates.sorted { $0.kept.id < $1.kept.id })
            }
        }
    }
}

extension Repository where Entity: NaturallyKeyedEntity {
    /// Creates the record for `entity`'s natural key, or updates (and if deleted, restores) the
    /// one that exists; `entity.id` is ignored. One transaction. See ``Batch/save(_:)``.
    @discardableResult
    public func save(_ entity: Entity) throws -> SaveResult<Entity> {
        try store.batch { try $0.save(entity) }
    }
}

extension Batch {
    /// Creates the record for `entity`'s natural key, or updates (and if deleted, restores) the
    /// one that exists, writing only the fields that differ; `entity.id` is ignored.
    ///
    /// The record written is the live one reads use for the key (see ``KeyedRecords``), else the
    /// one with the natural id. When `saveRetiresDuplicates`, other live records with the key are
    /// deleted, so saving repairs a database holding duplicates from before natural ids.
    @discardableResult
    public func save<Entity: NaturallyKeyedEntity>(_ entity: Entity) throws -> SaveResult<Entity> {
        let name = Entity.schema.name
        let values = entity.fieldValues
        let sameKey = try core.rows(name, includeDeleted: true, whereField: Entity.naturalKeyField, equals: values[Entity.naturalKeyField])
            .map { (record: try Entity(id: $0.id, fieldValues: $0.values), deleted: $0.deleted) }
            .filter { $0.record.naturalID == entity.naturalID }
        let live = sameKey.filter { !$0.deleted }.map(\.record)
        let id = try live.isEmpty ? entity.naturalID : core.keeper(of: live).id
        let saved = try Entity(id: id, fieldValues: values)

        let outcome: SaveResult<Entity>.Outcome
        var previous = sameKey.first { $0.record.id == id }?.record
        if let version = try core.loadVersion(name, id: id) {
            // A record under the natural id whose key was edited away is still the key's record.
            if previous == nil { previous = try Entity(id: id, fieldValues: version.values) }
            let changed = try core.update(name, id: id, values: values)
            if version.isDeleted {
                try restore(Entity.self, id: id)
                outcome = .restored(changed)
            } else {
                outcome = .updated(changed)
            }
        } else {
            try core.create(name, id: id, values: values)
            outcome = .created
        }
        var retired: [String] = []
        if Entity.saveRetiresDuplicates {
            for other in live where other.id != id {
                try delete(Entity.self, id: other.id)
                retired.append(other.id)
            }
        }
        return SaveResult(saved: saved, previous: previous, outcome: outcome, retired: retired.sorted())
    }
}

extension ReplicaCore {
    /// The record reads use among live records sharing a key: the one written last, then the smaller id.
    func keeper<Entity: NaturallyKeyedEntity>(of records: [Entity]) throws -> Entity {
        guard records.count > 1 else { return records[0] }
        let written = try records.map { record -> (record: Entity, stamp: Stamp) in
            guard let version = try loadVersion(Entity.schema.name, id: record.id) else {
                throw StoreError(code: .notFound, message: "no \(Entity.schema.name) with id \(record.id)")
            }
            return (record, version.maxStamp)
        }
        // Greatest stamp wins; on equal stamps the smaller id counts as greater.
        return written.max { ($0.stamp, $1.record.id) < ($1.stamp, $0.record.id) }!.record
    }
}

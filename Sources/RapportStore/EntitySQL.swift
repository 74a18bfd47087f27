import RapportMerge

/// The SQL of one entity table, built once from its schema, and the statements the write and
/// apply paths run per record, kept at hand (see `HotStatement`).
///
/// Row parameters are numbered the same in every statement: `?1` id, `?2…` the fields in schema
/// order, then `_deleted`, `_version`, `_seq`, `_pending`.
final class EntitySQL {
    let schema: EntitySchema
    let insert: HotStatement
    /// Inserts a row that arrived by merge: not queued, so `_pending` is NULL.
    let insertMerged: HotStatement
    /// The fields in schema order, `_version`, `_pending`.
    let selectVersion: HotStatement
    let selectRows: String
    /// Parameters: `_pending`, id.
    let setPending: String
    /// Updates that set only the columns a write changed, by `UpdateShape`.
    private var updates: [UpdateShape: HotStatement] = [:]

    init(_ schema: EntitySchema) {
        self.schema = schema
        let table = Self.table(schema)
        let columns = schema.fields.map { "\"\($0.name)\"" }
        let all = ["id"] + columns + ["_deleted", "_version", "_seq", "_pending"]
        let values = all.indices.map { "?\($0 + 1)" }
        insert = HotStatement("INSERT INTO \(table) (\(all.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))")
        insertMerged = HotStatement("INSERT INTO \(table) (\(all.dropLast().joined(separator: ", "))) VALUES (\(values.dropLast().joined(separator: ", ")))")
        selectVersion = HotStatement("SELECT \((columns + ["_version", "_pending"]).joined(separator: ", ")) FROM \(table) WHERE id = ?1")
        selectRows = "SELECT id, \(columns.joined(separator: ", ")), _deleted FROM \(table)"
        setPending = "UPDATE \(table) SET _pending = ? WHERE id = ?"
    }

    private static func table(_ schema: EntitySchema) -> String { "\"\(schema.name)\"" }

    /// Ids of rows changed after local change number `since`, oldest change first.
    var changedSince: String { "SELECT id, _seq FROM \(Self.table(schema)) WHERE _seq > ? ORDER BY _seq" }

    var deletedParameter: Int32 { Int32(schema.fields.count) + 2 }
    var versionParameter: Int32 { deletedParameter + 1 }
    var seqParameter: Int32 { deletedParameter + 2 }
    var pendingParameter: Int32 { deletedParameter + 3 }

    /// Which columns an update of a stored row sets besides `_version` and `_seq`.
    ///
    /// Setting a column to the value it has still rewrites every index entry that includes it,
    /// which made a merge that changed one note cost three times what it needed to.
    struct UpdateShape: Hashable {
        /// Bit `i`: field `i` of the schema changed.
        var fields: UInt64 = 0
        var deleted = false
        /// A local write: `_pending` takes its new change number.
        var pending = false
    }

    /// The shape of writing `new` over the stored `old` (a schema wider than the mask writes
    /// every field past its 64th).
    func shape(from old: RecordVersion, to new: RecordVersion, pending: Bool) -> UpdateShape {
        var shape = UpdateShape(deleted: old.deleted.value != new.deleted.value, pending: pending)
        for (position, field) in schema.fields.enumerated() {
            guard position < 64 else { shape.fields = .max; break }
            if old.fields[field.name]?.value != new.fields[field.name]?.value { shape.fields |= 1 << UInt64(position) }
        }
        return shape
    }

    func update(_ shape: UpdateShape) -> HotStatement {
        if let found = updates[shape] { return found }
        var set: [String] = []
        for (position, field) in schema.fields.enumerated() where position >= 64 || shape.fields & (1 << UInt64(position)) != 0 {
            set.append("\"\(field.name)\" = ?\(position + 2)")
        }
        if shape.deleted { set.append("_deleted = ?\(deletedParameter)") }
        set.append("_version = ?\(versionParameter)")
        set.append("_seq = ?\(seqParameter)")
        if shape.pending { set.append("_pending = ?\(pendingParameter)") }
        let statement = HotStatement("UPDATE \(Self.table(schema)) SET \(set.joined(separator: ", ")) WHERE id = ?1")
        updates[shape] = statement
        return statement
    }

    /// The schema's field values from consecutive columns starting at `first`.
    func readValues(_ statement: Statement, from first: Int32) -> [FieldValue] {
        schema.fields.enumerated().map { position, field in
            let column = first + Int32(position)
            if statement.isNull(column) { return .null }
            switch field.kind {
            case .number, .optionalNumber, .date, .optionalDate: return .of(statement.double(column))
            default: return .string(statement.string(column) ?? "")
            }
        }
    }
}

@available(*, unavailable)
extension EntitySQL: Sendable {}

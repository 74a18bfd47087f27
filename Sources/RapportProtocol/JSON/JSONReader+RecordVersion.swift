import RapportMerge

extension JSONReader {
    /// Reads the record version at the cursor, as `RecordVersion`'s `Codable` form would, and with
    /// `strict` also as `RecordVersionAttempt` does (a key the contract does not have is refused).
    ///
    /// Problems are reported in the order Foundation's synthesized decoding meets them (entity, id,
    /// clock, fields, deleted; value, stamp, dot), with the same messages; a duplicated key counts
    /// once, first occurrence winning, as in Foundation. On a shape failure the cursor is already
    /// past the value, so a caller reading an array can go on with the next element.
    mutating func readVersion(strict: Bool) throws(JSONFailure) -> RecordVersion {
        let kind = try peekKind()
        guard kind == .object else {
            try skipValue()
            throw mismatch(kind, expected: "an object", at: "")
        }
        var entity: String?, id: String?, clock: VectorClock?
        var fields: [String: Stamped<FieldValue>]?, deleted: Stamped<Bool>?
        var seen: (entity: Bool, id: Bool, clock: Bool, fields: Bool, deleted: Bool) = (false, false, false, false, false)
        var errors: (entity: JSONFailure?, id: JSONFailure?, clock: JSONFailure?, fields: JSONFailure?, deleted: JSONFailure?, keys: JSONFailure?)
        var unknown: String?
        var unknownInFields: [(field: String, key: String)] = []
        var unknownInDeleted: String?
        if try beginObject() {
            repeat {
                let key = try readKey()
                if !key.isValid {
                    if errors.keys == nil { errors.keys = .shape(JSONText.loneSurrogate) }
                    try skipValue()
                } else if key.equals("entity", in: bytes), !seen.entity {
                    seen.entity = true
                    entity = try attempt(&errors.entity) { reader throws(JSONFailure) in try reader.readStringValue(at: "entity") }
                } else if key.equals("id", in: bytes), !seen.id {
                    seen.id = true
                    id = try attempt(&errors.id) { reader throws(JSONFailure) in try reader.readStringValue(at: "id") }
                } else if key.equals("clock", in: bytes), !seen.clock {
                    seen.clock = true
                    clock = try attempt(&errors.clock) { reader throws(JSONFailure) in try reader.readClock() }
                } else if key.equals("fields", in: bytes), !seen.fields {
                    seen.fields = true
                    fields = try attempt(&errors.fields) { reader throws(JSONFailure) in
                        try reader.readFields(strict: strict, unknown: &unknownInFields)
                    }
                } else if key.equals("deleted", in: bytes), !seen.deleted {
                    seen.deleted = true
                    deleted = try attempt(&errors.deleted) { reader throws(JSONFailure) in
                        let (flag, stamp, dot, extra) = try reader.readStamped(field: nil, strict: strict) { reader throws(JSONFailure) in
                            try reader.readBoolValue(at: "deleted.value")
                        }
                        unknownInDeleted = extra
                        return Stamped(flag, stamp: stamp, dot: dot)
                    }
                } else {
                    let isKnown = key.equals("entity", in: bytes) || key.equals("id", in: bytes) || key.equals("clock", in: bytes)
                        || key.equals("fields", in: bytes) || key.equals("deleted", in: bytes)
                    if strict, !isKnown, unknown == nil { unknown = key.name(in: bytes) }
                    try skipValue()
                }
            } while try nextMember()
        }
        if let error = errors.keys { throw error }
        if let error = errors.entity { throw error }
        guard let entity else { throw .shape("missing 'entity'") }
        if let error = errors.id { throw error }
        guard let id else { throw .shape("missing 'id'") }
        if let error = errors.clock { throw error }
        guard let clock else { throw .shape("missing 'clock'") }
        if let error = errors.fields { throw error }
        guard let fields else { throw .shape("missing 'fields'") }
        if let error = errors.deleted { throw error }
        guard let deleted else { throw .shape("missing 'deleted'") }
        if let unknown {
            throw .shape("unknown key '\(unknown)' in a record version; it has only entity, id, clock, fields and deleted")
        }
        if let first = unknownInFields.min(by: { $0.field < $1.field }) {
            throw .shape("unknown key '\(first.key)'; a stamped value has only value, stamp and dot", at: "fields.\(Self.cut(first.field))")
        }
        if let unknownInDeleted {
            throw .shape("unknown key '\(unknownInDeleted)'; the deleted flag has only value, stamp and dot", at: "deleted")
        }
        return RecordVersion(entity: entity, id: id, clock: clock, fields: fields, deleted: deleted)
    }

    private static func cut(_ name: String) -> String { name.count > 64 ? String(name.prefix(64)) + "…" : name }

    /// `{replica: count}`; zero counts are dropped before their keys are checked, as `VectorClock` does.
    private mutating func readClock() throws(JSONFailure) -> VectorClock {
        let kind = try peekKind()
        guard kind == .object else { throw mismatch(kind, expected: "an object", at: "clock") }
        var entries: [ReplicaID: UInt64] = [:]
        var otherKeys: Set<String> = []
        var valueError: JSONFailure?
        var keyError: JSONFailure?
        if try beginObject() {
            repeat {
                let key = try readKey()
                guard valueError == nil else { try skipValue(); continue }
                guard key.isValid else {
                    valueError = .shape(JSONText.loneSurrogate, at: "clock")
                    try skipValue()
                    continue
                }
                if let bits = key.withBytes(in: bytes, Self.fastHex) {
                    let replica = ReplicaID(bits: bits)
                    guard entries[replica] == nil else { try skipValue(); continue }
                    let buffer = bytes
                    let count = try attempt(&valueError) { reader throws(JSONFailure) in
                        try reader.readUInt64Value(at: "clock.\(key.name(in: buffer))")
                    }
                    if let count { entries[replica] = count }
                } else {
                    let name = key.withBytes(in: bytes) { String(decoding: $0, as: UTF8.self) }
                    guard otherKeys.insert(name).inserted else { try skipValue(); continue }
                    let count = try attempt(&valueError) { reader throws(JSONFailure) in
                        try reader.readUInt64Value(at: "clock.\(name)")
                    }
                    if let count, count > 0, keyError == nil {
                        do { _ = try ReplicaID(name) } catch { keyError = .shape("clock key: \(error.message)", at: "clock") }
                    }
                }
            } while try nextMember()
        }
        if let valueError { throw valueError }
        if let keyError { throw keyError }
        return VectorClock(entries)
    }

    private mutating func readFields(strict: Bool, unknown: inout [(field: String, key: String)]) throws(JSONFailure) -> [String: Stamped<FieldValue>] {
        let kind = try peekKind()
        guard kind == .object else { throw mismatch(kind, expected: "an object", at: "fields") }
        var fields: [String: Stamped<FieldValue>] = [:]
        var firstError: JSONFailure?
        if try beginObject() {
            repeat {
                let key = try readKey()
                guard firstError == nil else { try skipValue(); continue }
                guard key.isValid else {
                    firstError = .shape(JSONText.loneSurrogate, at: "fields")
                    try skipValue()
                    continue
                }
                let name = key.withBytes(in: bytes) { String(decoding: $0, as: UTF8.self) }
                guard fields[name] == nil else { try skipValue(); continue }
                let stamped = try attempt(&firstError) { reader throws(JSONFailure) in
                    try reader.readStamped(field: name, strict: strict) { reader throws(JSONFailure) in
                        try reader.readFieldValue(at: "fields.\(name).value")
                    }
                }
                if let (value, stamp, dot, extra) = stamped {
                    fields[name] = Stamped(value, stamp: stamp, dot: dot)
                    if let extra { unknown.append((name, extra)) }
                }
            } while try nextMember()
        }
        if let firstError { throw firstError }
        return fields
    }

    /// `{"value", "stamp", "dot"}` of the field named `field` (nil: the `deleted` flag), and with
    /// `strict` the first other key's name.
    private mutating func readStamped<Value>(
        field: String?, strict: Bool, value readValue: (inout JSONReader) throws(JSONFailure) -> Value
    ) throws(JSONFailure) -> (Value, Stamp, UInt64, String?) {
        func path() -> String { field.map { "fields.\($0)" } ?? "deleted" }
        let kind = try peekKind()
        guard kind == .object else { throw mismatch(kind, expected: "an object", at: path()) }
        var value: Value?, stamp: Stamp?, dot: UInt64?
        var seen: (value: Bool, stamp: Bool, dot: Bool) = (false, false, false)
        var errors: (value: JSONFailure?, stamp: JSONFailure?, dot: JSONFailure?, keys: JSONFailure?)
        var unknown: String?
        if try beginObject() {
            repeat {
                let key = try readKey()
                if !key.isValid {
                    if errors.keys == nil { errors.keys = .shape(JSONText.loneSurrogate, at: path()) }
                    try skipValue()
                } else if key.equals("value", in: bytes), !seen.value {
                    seen.value = true
                    value = try attempt(&errors.value) { reader throws(JSONFailure) in try readValue(&reader) }
                } else if key.equals("stamp", in: bytes), !seen.stamp {
                    seen.stamp = true
                    stamp = try attempt(&errors.stamp) { reader throws(JSONFailure) in try reader.readStampValue(at: "\(path()).stamp") }
                } else if key.equals("dot", in: bytes), !seen.dot {
                    seen.dot = true
                    dot = try attempt(&errors.dot) { reader throws(JSONFailure) in try reader.readUInt64Value(at: "\(path()).dot") }
                } else {
                    let isKnown = key.equals("value", in: bytes) || key.equals("stamp", in: bytes) || key.equals("dot", in: bytes)
                    if strict, !isKnown, unknown == nil { unknown = key.name(in: bytes) }
                    try skipValue()
                }
            } while try nextMember()
        }
        if let error = errors.keys { throw error }
        if let error = errors.value { throw error }
        guard let value else { throw .shape("missing 'value'", at: path()) }
        if let error = errors.stamp { throw error }
        guard let stamp else { throw .shape("missing 'stamp'", at: path()) }
        if let error = errors.dot { throw error }
        guard let dot else { throw .shape("missing 'dot'", at: path()) }
        return (value, stamp, dot, unknown)
    }
}

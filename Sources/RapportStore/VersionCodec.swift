import Foundation
import RapportMerge

/// Packs a record version's replication metadata (clock, stamps, dots) into a compact blob kept
/// beside the row; the field values themselves live in the row's columns.
///
/// Layout (format 2): `2`, replica count, then per replica its 64-bit id and clock count; the
/// `deleted` write (stamp, dot, flag); then per schema field a presence byte: 0 no write, 1 its
/// stamp and dot follow, 2 the same stamp and dot as the write before it (fields written together
/// share one, so a new record's blob is a third of format 1's and its row about a third smaller:
/// a large batch dirties fewer pages). Stamps are (wall, counter, replica index); integers are
/// LEB128 varints. A blob may have fewer presence bytes than its schema has fields: it was written
/// before the later, optional fields were added, and has no write of them. Format 1 (written before migration 6) has only presence bytes 0 and 1, and is
/// still read. Hand-written because this runs for every row the store reads or writes.
struct VersionCodec {
    /// Reused between encodes: one blob per written row would otherwise be one allocation each.
    private var scratch: [UInt8] = []

    mutating func encode(_ version: RecordVersion, schema: EntitySchema) -> [UInt8] {
        withEncoded(version, writes: Self.writes(of: version, schema: schema)) { $0 }
    }

    /// The version's field writes in schema order (nil where it has none), as `withEncoded` takes them.
    static func writes(of version: RecordVersion, schema: EntitySchema) -> [Stamped<FieldValue>?] {
        schema.fields.map { version.fields[$0.name] }
    }

    /// Encodes into a buffer lent to `body` (valid only inside it). `writes` are the version's
    /// field writes in schema order (`writes(of:schema:)`), looked up once by the caller, who
    /// binds their values too.
    ///
    /// Replicas are found by a linear search of the table: a record's writes name a handful of
    /// them, and hashing each stamp's replica cost more than the search.
    mutating func withEncoded<T>(_ version: RecordVersion, writes: [Stamped<FieldValue>?], _ body: ([UInt8]) throws -> T) rethrows -> T {
        var out = scratch
        scratch = []
        out.removeAll(keepingCapacity: true)
        let clock = version.clock.entries.sorted { $0.key < $1.key }
        var replicas = clock.map(\.key)
        func indexOf(_ replica: ReplicaID) -> Int {
            for (index, known) in replicas.enumerated() where known == replica { return index }
            replicas.append(replica)
            return replicas.count - 1
        }
        // Stamps normally name replicas in the clock; collect any others first so the table is complete.
        for write in writes {
            if let write { _ = indexOf(write.stamp.replica) }
        }
        let deletedIndex = indexOf(version.deleted.stamp.replica)

        out.append(2)
        Self.putVarint(UInt64(replicas.count), &out)
        for (position, replica) in replicas.enumerated() {
            var raw = replica.bits
            for _ in 0..<8 { out.append(UInt8(truncatingIfNeeded: raw)); raw >>= 8 }
            Self.putVarint(position < clock.count ? clock[position].value : 0, &out)
        }
        func putStamp(_ stamp: Stamp, _ dot: UInt64, _ index: Int) {
            Self.putVarint(UInt64(bitPattern: stamp.hlc.wallMillis), &out)
            Self.putVarint(UInt64(stamp.hlc.counter), &out)
            Self.putVarint(UInt64(index), &out)
            Self.putVarint(dot, &out)
        }
        putStamp(version.deleted.stamp, version.deleted.dot, deletedIndex)
        out.append(version.deleted.value ? 1 : 0)
        var previous = (stamp: version.deleted.stamp, dot: version.deleted.dot)
        for write in writes {
            guard let write else { out.append(0); continue }
            if write.stamp == previous.stamp, write.dot == previous.dot {
                out.append(2)
                continue
            }
            out.append(1)
            putStamp(write.stamp, write.dot, indexOf(write.stamp.replica))
            previous = (write.stamp, write.dot)
        }
        defer { scratch = out }
        return try body(out)
    }

    /// Rebuilds a version from its blob and the row's column values (in schema order; nil = SQL NULL).
    mutating func decode(_ bytes: UnsafeRawBufferPointer, entity: String, id: String, schema: EntitySchema, values: [FieldValue]) throws -> RecordVersion {
        var reader = Reader(bytes: bytes)
        let format = try reader.byte()
        guard format == 1 || format == 2 else { throw Self.damaged(entity, id) }
        let rawCount = try reader.varint()
        // Bounded by the blob (each replica takes at least 9 bytes) so a damaged count cannot make
        // `reserveCapacity` trap, and by nothing else: a clock `encode` wrote must always read back.
        guard rawCount <= UInt64(bytes.count / 9) else { throw Self.damaged(entity, id) }
        let count = Int(rawCount)
        var replicas: [ReplicaID] = []
        replicas.reserveCapacity(count)
        var clock: [ReplicaID: UInt64] = [:]
        for _ in 0..<count {
            var raw: UInt64 = 0
            for shift in 0..<8 { raw |= UInt64(try reader.byte()) << (8 * UInt64(shift)) }
            let replica = ReplicaID(bits: raw)
            replicas.append(replica)
            clock[replica] = try reader.varint()
        }
        func stamp() throws -> (Stamp, UInt64) {
            let wall = Int64(bitPattern: try reader.varint())
            let counter = UInt32(truncatingIfNeeded: try reader.varint())
            let rawIndex = try reader.varint()
            guard rawIndex < UInt64(replicas.count) else { throw Self.damaged(entity, id) }
            let index = Int(rawIndex)
            return (Stamp(hlc: HLCTimestamp(wallMillis: wall, counter: counter), replica: replicas[index]), try reader.varint())
        }
        let (deletedStamp, deletedDot) = try stamp()
        let deleted = Stamped(try reader.byte() == 1, stamp: deletedStamp, dot: deletedDot)
        var fields: [String: Stamped<FieldValue>] = [:]
        fields.reserveCapacity(schema.fields.count)
        var previous = (deletedStamp, deletedDot)
        for (position, field) in schema.fields.enumerated() {
            // A blob written before the schema gained its last fields ends early: the version
            // has no write of them (they were added as optional fields; see `ReplicaSchema`).
            guard reader.offset < bytes.count else { break }
            switch try reader.byte() {
            case 1: previous = try stamp()
            case 2 where format == 2: break
            default: continue
            }
            fields[field.name] = Stamped(values[position], stamp: previous.0, dot: previous.1)
        }
        return RecordVersion(entity: entity, id: id, clock: VectorClock(clock), fields: fields, deleted: deleted)
    }


    private static func damaged(_ entity: String, _ id: String) -> StoreError {
        StoreError(code: .corruptDatabase, message: "version metadata of \(entity) \(id) is damaged; restore the file from a backup or re-sync this replica")
    }

    private static func putVarint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw StoreError(code: .corruptDatabase, message: "version metadata ends early; restore the file from a backup or re-sync this replica") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw StoreError(code: .corruptDatabase, message: "version metadata has an overlong number; restore the file from a backup or re-sync this replica") }
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }
    }
}

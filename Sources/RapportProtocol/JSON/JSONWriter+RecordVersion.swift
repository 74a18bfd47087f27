import RapportMerge

extension JSONWriter {
    /// `{"entity","id","clock","fields","deleted"}`, as `RecordVersion`'s `Codable` form.
    mutating func version(_ version: RecordVersion) {
        raw("{\"entity\":")
        string(version.entity)
        raw(",\"id\":")
        string(version.id)
        raw(",\"clock\":{")
        var first = true
        for (replica, count) in version.clock.entries {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            replicaID(replica)
            byte(UInt8(ascii: ":"))
            integer(count)
        }
        raw("},\"fields\":{")
        first = true
        for (name, stamped) in version.fields {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            string(name)
            raw(":{\"value\":")
            fieldValue(stamped.value)
            stampAndDot(stamped.stamp, stamped.dot)
        }
        raw("},\"deleted\":{\"value\":")
        bool(version.deleted.value)
        stampAndDot(version.deleted.stamp, version.deleted.dot)
        byte(UInt8(ascii: "}"))
    }

    mutating func fieldValue(_ value: FieldValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): bool(flag)
        case .number(let number): self.number(number)
        case .string(let text): string(text)
        }
    }

    /// `,"stamp":"wall:counter:replica","dot":n}`: the rest of a stamped value.
    private mutating func stampAndDot(_ stamp: Stamp, _ dot: UInt64) {
        raw(",\"stamp\":\"")
        integer(stamp.hlc.wallMillis)
        byte(UInt8(ascii: ":"))
        integer(UInt64(stamp.hlc.counter))
        byte(UInt8(ascii: ":"))
        hex(stamp.replica.bits)
        raw("\",\"dot\":")
        integer(dot)
        byte(UInt8(ascii: "}"))
    }

    /// A replica id as a quoted string.
    mutating func replicaID(_ replica: ReplicaID) {
        byte(UInt8(ascii: "\""))
        hex(replica.bits)
        byte(UInt8(ascii: "\""))
    }

    /// 16 lowercase hex digits, as `ReplicaID.rawValue`.
    private mutating func hex(_ bits: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        var shift: UInt64 = 60
        for _ in 0..<16 {
            bytes.append(digits.utf8Start[Int((bits >> shift) & 0xF)])
            shift &-= 4
        }
    }
}

import RapportMerge

/// Scalar reads with the messages `DecodingError.summary` gives for the same problems, so a
/// rejection reads the same whichever reader found it.
extension JSONReader {
    /// Runs `body` on the value at the cursor; on a shape failure, keeps the first one in `slot`,
    /// moves past the value and answers nil, so the caller can read on and report problems in the
    /// order Foundation's synthesized decoding does.
    @inline(__always)
    mutating func attempt<T>(_ slot: inout JSONFailure?, _ body: (inout JSONReader) throws(JSONFailure) -> T) throws(JSONFailure) -> T? {
        let start = at, level = depth
        do {
            return try body(&self)
        } catch {
            guard error.kind == .shape else { throw error }
            at = start
            depth = level
            try skipValue()
            if slot == nil { slot = error }
            return nil
        }
    }

    /// A shape failure for a value of the wrong type at `path`, worded like `DecodingError.summary`.
    func mismatch(_ kind: Kind, expected: String, at path: @autoclosure () -> String) -> JSONFailure {
        .shape(kind == .null ? "null where \(expected) is required" : "expected \(expected)", at: path())
    }

    mutating func readStringValue(at path: @autoclosure () -> String) throws(JSONFailure) -> String {
        let kind = try peekKind()
        guard kind == .string else { throw mismatch(kind, expected: "a string", at: path()) }
        let text = try readString()
        guard text.isValid else { throw .shape(JSONText.loneSurrogate, at: path()) }
        return text.withBytes(in: bytes) { String(decoding: $0, as: UTF8.self) }
    }

    mutating func readBoolValue(at path: @autoclosure () -> String) throws(JSONFailure) -> Bool {
        let kind = try peekKind()
        // Foundation reports `null` for a boolean as a type mismatch, unlike other types.
        guard kind == .bool else { throw .shape("expected a boolean", at: path()) }
        return try readBool()
    }

    /// A clock count or dot. Foundation reports a number out of range without a path, so neither does this.
    mutating func readUInt64Value(at path: @autoclosure () -> String) throws(JSONFailure) -> UInt64 {
        let kind = try peekKind()
        guard kind == .number else { throw mismatch(kind, expected: "an integer", at: path()) }
        guard let value = uint64(try readNumber()) else { throw .shape(DecodingError.outOfRangeNumber) }
        return value
    }

    mutating func readIntValue(at path: @autoclosure () -> String) throws(JSONFailure) -> Int {
        let kind = try peekKind()
        guard kind == .number else { throw mismatch(kind, expected: "an integer", at: path()) }
        guard let value = int(try readNumber()) else { throw .shape(DecodingError.outOfRangeNumber) }
        return value
    }

    mutating func readInt64Value(at path: @autoclosure () -> String) throws(JSONFailure) -> Int64 {
        Int64(try readIntValue(at: path()))
    }

    /// A field value, with `FieldValue.init(from:)`'s messages.
    mutating func readFieldValue(at path: @autoclosure () -> String) throws(JSONFailure) -> FieldValue {
        switch try peekKind() {
        case .null:
            try readNull()
            return .null
        case .bool: return .bool(try readBool())
        case .number:
            guard let number = double(try readNumber()) else {
                throw .shape("field value is a number beyond the range of a double (about ±1.8e308)", at: path())
            }
            return .of(number)
        case .string:
            let text = try readString()
            // Foundation tries every type in turn and none takes a string it cannot decode.
            guard text.isValid else { throw .shape("field value must be null, a boolean, a number or a string", at: path()) }
            return .string(text.withBytes(in: bytes) { String(decoding: $0, as: UTF8.self) })
        case .object, .array:
            throw .shape("field value must be null, a boolean, a number or a string", at: path())
        }
    }

    /// A stamp string, read without building a `String` when it has the usual form; anything else
    /// goes through `Stamp(_:)`, which has the last word and the messages.
    mutating func readStampValue(at path: @autoclosure () -> String) throws(JSONFailure) -> Stamp {
        let kind = try peekKind()
        guard kind == .string else { throw mismatch(kind, expected: "a string", at: path()) }
        let text = try readString()
        guard text.isValid else { throw .shape(JSONText.loneSurrogate, at: path()) }
        if let stamp = text.withBytes(in: bytes, Self.fastStamp) { return stamp }
        do {
            return try Stamp(text.withBytes(in: bytes) { String(decoding: $0, as: UTF8.self) })
        } catch {
            throw .shape(error.message, at: path())
        }
    }

    /// `wall:counter:replica` with 1–15 digits, 1–10 digits and 16 lowercase hex digits, or nil.
    static func fastStamp(_ text: UnsafeBufferPointer<UInt8>) -> Stamp? {
        var index = 0
        var wall: Int64 = 0
        while index < text.count, index < 15, text[index] &- UInt8(ascii: "0") < 10 {
            wall = wall * 10 + Int64(text[index] &- UInt8(ascii: "0"))
            index += 1
        }
        guard index > 0, index < text.count, text[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        let counterStart = index
        var counter: UInt64 = 0
        while index < text.count, index - counterStart < 10, text[index] &- UInt8(ascii: "0") < 10 {
            counter = counter * 10 + UInt64(text[index] &- UInt8(ascii: "0"))
            index += 1
        }
        guard index > counterStart, counter <= UInt64(UInt32.max), index < text.count, text[index] == UInt8(ascii: ":"),
              text.count - index - 1 == 16,
              let bits = fastHex(UnsafeBufferPointer(rebasing: text[(index + 1)...]))
        else { return nil }
        return Stamp(hlc: HLCTimestamp(wallMillis: wall, counter: UInt32(counter)), replica: ReplicaID(bits: bits))
    }

    /// Exactly 16 lowercase hex digits as 64 bits, or nil.
    static func fastHex(_ text: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard text.count == 16 else { return nil }
        var bits: UInt64 = 0
        for byte in text {
            let nibble: UInt8
            if byte &- UInt8(ascii: "0") < 10 {
                nibble = byte &- UInt8(ascii: "0")
            } else if byte &- UInt8(ascii: "a") < 6 {
                nibble = byte &- UInt8(ascii: "a") &+ 10
            } else {
                return nil
            }
            bits = bits << 4 | UInt64(nibble)
        }
        return bits
    }
}

/// One JSON string as read: where its raw bytes lie, or its bytes with escapes decoded when it had any.
///
/// Kept as bytes so a key can be matched without building a `String`. A `\u` escape of half a
/// surrogate pair without its other half has no UTF-8 form; Foundation refuses such a string only
/// when a value is taken from it, so the reader marks it (`isValid`) instead of failing the document.
struct JSONText {
    /// The raw bytes between the quotes, when the string had no escapes.
    var start: Int
    var end: Int
    /// The string's bytes with escapes decoded; nil when the raw bytes are the string.
    var decoded: [UInt8]?
    /// False when an escape named a lone surrogate.
    var isValid = true

    static let loneSurrogate = "a string holds half of a UTF-16 surrogate pair (an unpaired \\ud800–\\udfff escape)"

    /// Whether the string is exactly `word` (ASCII).
    @inline(__always)
    func equals(_ word: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = word.utf8CodeUnitCount
        if let decoded {
            guard decoded.count == count else { return false }
            for i in 0..<count where decoded[i] != word.utf8Start[i] { return false }
            return true
        }
        guard end - start == count else { return false }
        for i in 0..<count where bytes[start + i] != word.utf8Start[i] { return false }
        return true
    }

    /// The string's bytes, for as long as `body` runs.
    @inline(__always)
    func withBytes<R>(in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let decoded { return decoded.withUnsafeBufferPointer(body) }
        return body(UnsafeBufferPointer(rebasing: bytes[start..<end]))
    }

    /// The string as a Swift `String` (its bytes are valid UTF-8: the reader checked them).
    func string(in bytes: UnsafeBufferPointer<UInt8>) throws(JSONFailure) -> String {
        guard isValid else { throw .shape(Self.loneSurrogate) }
        return withBytes(in: bytes) { String(decoding: $0, as: UTF8.self) }
    }

    /// The string for a message: at most 64 characters, marked when cut.
    func name(in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = withBytes(in: bytes) { String(decoding: $0, as: UTF8.self) }
        return text.count > 64 ? String(text.prefix(64)) + "…" : text
    }
}

extension JSONReader {
    /// Reads the string at the cursor (checked with `peekKind`), decoding escapes.
    mutating func readString() throws(JSONFailure) -> JSONText {
        at += 1
        let start = at
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return JSONText(start: start, end: at - 1)
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if byte < 0x20 { throw .syntax }
            if byte < 0x80 { at += 1 } else { try skipUTF8Sequence() }
        }
        throw .syntax
    }

    /// The slow path: the string has escapes, so its bytes are rebuilt.
    private mutating func readEscapedString(from start: Int) throws(JSONFailure) -> JSONText {
        var out: [UInt8] = []
        out.reserveCapacity(at - start + 16)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<at]))
        var isValid = true
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return JSONText(start: start, end: at - 1, decoded: out, isValid: isValid)
            }
            if byte < 0x20 { throw .syntax }
            if byte >= 0x80 {
                let from = at
                try skipUTF8Sequence()
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<at]))
                continue
            }
            at += 1
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            guard at < bytes.count else { throw .syntax }
            let escaped = bytes[at]
            at += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try readHex4()
                var scalar = UInt32(unit)
                if (0xD800..<0xDC00).contains(unit) {
                    // A high surrogate counts only with a low one right after it.
                    if bytes.count - at >= 6, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
                        let mark = at
                        at += 2
                        let low = try readHex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        } else {
                            at = mark
                            isValid = false
                            scalar = 0xFFFD
                        }
                    } else {
                        isValid = false
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(unit) {
                    isValid = false
                    scalar = 0xFFFD
                }
                Self.appendUTF8(scalar, to: &out)
            default: throw .syntax
            }
        }
        throw .syntax
    }

    private mutating func readHex4() throws(JSONFailure) -> UInt16 {
        guard bytes.count - at >= 4 else { throw .syntax }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[at]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .syntax
            }
            value = value << 4 | UInt16(digit)
            at += 1
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case ..<0x80: out.append(UInt8(scalar))
        case ..<0x800:
            out.append(0xC0 | UInt8(scalar >> 6))
            out.append(0x80 | UInt8(scalar & 0x3F))
        case ..<0x10000:
            out.append(0xE0 | UInt8(scalar >> 12))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        default:
            out.append(0xF0 | UInt8(scalar >> 18))
            out.append(0x80 | UInt8((scalar >> 12) & 0x3F))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Moves past one multi-byte UTF-8 sequence, refusing overlong forms, surrogates and values
    /// beyond U+10FFFF (RFC 3629), as `String(validating:)` would.
    private mutating func skipUTF8Sequence() throws(JSONFailure) {
        let lead = bytes[at]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw .syntax
        }
        guard bytes.count - at >= length else { throw .syntax }
        let second = bytes[at + 1]
        guard second >= low && second <= high else { throw .syntax }
        for offset in 2..<max(2, length) where bytes[at + offset] & 0xC0 != 0x80 { throw .syntax }
        at += length
    }
}

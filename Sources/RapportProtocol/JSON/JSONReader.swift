/// A cursor over the UTF-8 bytes of one JSON text, reading it by the grammar of RFC 8259.
///
/// Pull-style, so each wire type reads exactly the members it knows and skips the rest without
/// building a tree: `JSONSerialization`-style trees and `Codable` containers cost most of what
/// Foundation spends per record. Only valid UTF-8 is accepted. Nesting is capped at `maxDepth`
/// (Foundation's own limit), and skipping is iterative, so no input can exhaust the stack.
/// The reader borrows `bytes`: use it inside `withUnsafeBufferPointer` only.
struct JSONReader {
    /// Foundation's `JSONDecoder` refuses a 513th level; the same cap keeps both readers in step.
    static let maxDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    var at: Int
    /// Containers open around the cursor.
    var depth = 0
    /// The deepest nesting read; only the grammar check (`JSONSyntax`) lifts it.
    let depthLimit: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, at: Int = 0, depthLimit: Int = JSONReader.maxDepth) {
        self.bytes = bytes
        self.at = at
        self.depthLimit = depthLimit
    }

    /// The type of the next value, as far as its first byte tells.
    enum Kind: Sendable { case object, array, string, number, bool, null }

    @inline(__always)
    mutating func skipSpace() {
        while at < bytes.count {
            let byte = bytes[at]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            at += 1
        }
    }

    /// The kind of the value at the cursor (after white space); a syntax failure if none starts here.
    mutating func peekKind() throws(JSONFailure) -> Kind {
        skipSpace()
        guard at < bytes.count else { throw .syntax }
        switch bytes[at] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw .syntax
        }
    }

    /// Requires nothing but white space after the document.
    mutating func expectEnd() throws(JSONFailure) {
        skipSpace()
        guard at == bytes.count else { throw .syntax }
    }

    // MARK: containers

    /// Enters the object at the cursor (checked with `peekKind`); true when it has a first member.
    mutating func beginObject() throws(JSONFailure) -> Bool {
        try enter()
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
            at += 1
            depth -= 1
            return false
        }
        return true
    }

    /// Moves past the comma before the next member (true) or the closing brace (false).
    mutating func nextMember() throws(JSONFailure) -> Bool {
        try next(closing: UInt8(ascii: "}"))
    }

    /// Enters the array at the cursor (checked with `peekKind`); true when it has a first element.
    mutating func beginArray() throws(JSONFailure) -> Bool {
        try enter()
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
            at += 1
            depth -= 1
            return false
        }
        return true
    }

    /// Moves past the comma before the next element (true) or the closing bracket (false).
    mutating func nextElement() throws(JSONFailure) -> Bool {
        try next(closing: UInt8(ascii: "]"))
    }

    /// A member's name and the colon after it, leaving the cursor at its value.
    mutating func readKey() throws(JSONFailure) -> JSONText {
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw .syntax }
        let key = try readString()
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw .syntax }
        at += 1
        return key
    }

    private mutating func enter() throws(JSONFailure) {
        depth += 1
        guard depth <= depthLimit else { throw .tooDeep }
        at += 1
    }

    @inline(__always)
    private mutating func next(closing: UInt8) throws(JSONFailure) -> Bool {
        skipSpace()
        guard at < bytes.count else { throw .syntax }
        let byte = bytes[at]
        at += 1
        if byte == UInt8(ascii: ",") { return true }
        guard byte == closing else { throw .syntax }
        depth -= 1
        return false
    }

    // MARK: literals

    /// Reads `true` or `false` at the cursor (checked with `peekKind`).
    mutating func readBool() throws(JSONFailure) -> Bool {
        if bytes[at] == UInt8(ascii: "t") {
            try literal("true")
            return true
        }
        try literal("false")
        return false
    }

    /// Reads `null` at the cursor (checked with `peekKind`).
    mutating func readNull() throws(JSONFailure) { try literal("null") }

    private mutating func literal(_ word: StaticString) throws(JSONFailure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - at >= count else { throw .syntax }
        for offset in 0..<count where bytes[at + offset] != word.utf8Start[offset] { throw .syntax }
        at += count
    }

    // MARK: skipping

    /// Moves past the value at the cursor, checking its grammar, without keeping anything.
    ///
    /// Iterative, with the depth cap, so a body of 100,000 open brackets costs no stack.
    mutating func skipValue() throws(JSONFailure) {
        var open = ContainerStack()
        while true {
            switch try peekKind() {
            case .object:
                if try beginObject() {
                    open.push(isObject: true)
                    _ = try readKey()
                    continue
                }
            case .array:
                if try beginArray() {
                    open.push(isObject: false)
                    continue
                }
            case .string: _ = try readString()
            case .number: _ = try readNumber()
            case .bool: _ = try readBool()
            case .null: try readNull()
            }
            // A value ended: close containers until one goes on with a comma.
            while open.count > 0 {
                let isObject = open.top
                if try next(closing: isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    if isObject { _ = try readKey() }
                    break
                }
                open.pop()
            }
            if open.count == 0 { return }
        }
    }
}

/// Whether each open container is an object, innermost last: a bit per level, so skipping a
/// shallow value allocates nothing.
struct ContainerStack {
    private var low: UInt64 = 0
    private var high: [Bool] = []
    private(set) var count = 0

    mutating func push(isObject: Bool) {
        if count < 64 {
            if isObject { low |= 1 << UInt64(count) } else { low &= ~(1 << UInt64(count)) }
        } else {
            high.append(isObject)
        }
        count += 1
    }

    mutating func pop() {
        count -= 1
        if count >= 64 { high.removeLast() }
    }

    var top: Bool {
        let level = count - 1
        return level < 64 ? (low >> UInt64(level)) & 1 == 1 : high[level - 64]
    }
}

import Foundation
import RapportProtocol

/// One line of a server dump as fields: written in a fixed order (so a person reading the file
/// sees `type` first), read back by name.
///
/// The small fields go through `JSONSerialization` (admin lines are not the hot path); an
/// embedded value (a record version, a conflict) is spliced in and taken out as raw bytes, so what
/// the server stored is what the dump holds, byte for byte.
struct DumpLine {
    enum Value {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null
        /// A JSON object, written as it is.
        case raw([UInt8])
    }

    /// What was wrong with a line, without its line number (the reader adds it).
    struct Problem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// The line's bytes with the newline that ends it.
    static func encode(_ fields: KeyValuePairs<String, Value>) throws -> [UInt8] {
        var line: [UInt8] = [UInt8(ascii: "{")]
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            line += try string(key)
            line.append(UInt8(ascii: ":"))
            switch value {
            case .string(let text): line += try string(text)
            case .integer(let number): line += Array(String(number).utf8)
            case .bool(let flag): line += Array((flag ? "true" : "false").utf8)
            case .null: line += Array("null".utf8)
            case .raw(let bytes):
                // A line break inside would split the line; JSON needs none (strings escape theirs).
                guard bytes.first == UInt8(ascii: "{"), !bytes.contains(0x0A), !bytes.contains(0x0D) else {
                    throw Problem("its \(key) is not one single-line JSON object")
                }
                line += bytes
            }
        }
        line += [UInt8(ascii: "}"), 0x0A]
        return line
    }

    private static func string(_ text: String) throws -> [UInt8] {
        do {
            return Array(try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes]))
        } catch {
            throw Problem("a text could not be written as JSON")
        }
    }

    let bytes: [UInt8]
    private let members: [String: Range<Int>]

    /// Reads a line; a `Problem` unless it is one JSON object.
    init(_ bytes: [UInt8]) throws {
        guard let members = JSONSyntax.members(ofObject: bytes) else {
            throw Problem("not one JSON object (a damaged or cut line, or a key given twice)")
        }
        self.bytes = bytes
        self.members = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    func has(_ key: String) -> Bool { members[key] != nil }

    private func value(_ key: String) throws -> ArraySlice<UInt8> {
        guard let range = members[key] else { throw Problem("it has no \"\(key)\"") }
        return bytes[range]
    }

    func string(_ key: String) throws -> String {
        let raw = try value(key)
        guard raw.first == UInt8(ascii: "\""),
              let text = try? JSONSerialization.jsonObject(with: Data(raw), options: .fragmentsAllowed) as? String else {
            throw Problem("its \"\(key)\" is not a string")
        }
        return text
    }

    /// An integer written with digits only (no fraction or exponent), as the writer writes them.
    func integer(_ key: String) throws -> Int64 {
        guard let number = Int64(String(decoding: try value(key), as: UTF8.self)) else {
            throw Problem("its \"\(key)\" is not an integer")
        }
        return number
    }

    func bool(_ key: String) throws -> Bool {
        let raw = try value(key)
        if raw.elementsEqual("true".utf8) { return true }
        if raw.elementsEqual("false".utf8) { return false }
        throw Problem("its \"\(key)\" is not true or false")
    }

    func optionalInteger(_ key: String) throws -> Int64? {
        try value(key).elementsEqual("null".utf8) ? nil : integer(key)
    }

    /// The raw bytes of an embedded JSON object.
    func object(_ key: String) throws -> [UInt8] {
        let raw = try value(key)
        guard raw.first == UInt8(ascii: "{") else { throw Problem("its \"\(key)\" is not a JSON object") }
        return Array(raw)
    }
}

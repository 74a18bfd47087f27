import Foundation

/// The value of one replicated field: null, a boolean, a number or a string.
///
/// Encoded as the plain JSON value. Numbers are `Double` (integers are exact up to 2^53, which
/// covers money in cents and epoch milliseconds); `-0` is stored as `0`, and NaN and infinities are
/// refused when decoding. `canonicallyPrecedes` is the total order used to break ties between equal
/// stamps, so every replica picks the same value.
public enum FieldValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)

    /// A number value with `-0` folded into `0`.
    public static func of(_ number: Double) -> FieldValue { .number(number == 0 ? 0 : number) }

    private var rank: Int {
        switch self {
        case .null: 0
        case .bool: 1
        case .number: 2
        case .string: 3
        }
    }

    /// A total order on values, independent of platform and locale (strings compare by UTF-8 bytes).
    public func canonicallyPrecedes(_ other: FieldValue) -> Bool {
        switch (self, other) {
        case (.bool(let a), .bool(let b)): return !a && b
        case (.number(let a), .number(let b)): return a.isTotallyOrdered(belowOrEqualTo: b) && a.bitPattern != b.bitPattern
        case (.string(let a), .string(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        default: return rank < other.rank
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .string(let s): s
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var numberValue: Double? { if case .number(let n) = self { n } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var isNull: Bool { self == .null }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let bool = try? container.decode(Bool.self) { self = .bool(bool); return }
        let number: Double?
        do {
            number = try container.decode(Double.self)
        } catch DecodingError.typeMismatch {
            number = nil // not a number: a string, or something no field holds
        } catch {
            // A number beyond a Double (`1e400`): Foundation reports it without a path, so name it here.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "field value is a number beyond the range of a double (about ±1.8e308)")
        }
        if let number {
            guard number.isFinite else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "field value must be a finite number")
            }
            self = .of(number)
            return
        }
        if let string = try? container.decode(String.self) { self = .string(string); return }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "field value must be null, a boolean, a number or a string")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n): try container.encode(n)
        case .string(let s): try container.encode(s)
        }
    }
}

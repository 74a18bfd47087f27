import Foundation
import RapportMerge

/// The shape of one replicated entity: its name on the wire, its table, and its fields.
///
/// Every version of a record carries every required field of its schema; a field added after the
/// first release (`required == false`, always of an optional kind) may be missing from versions
/// written by older builds, and reads as null. Incoming versions are checked against it
/// (`problem(with:)`) before they are merged, so a bad record is refused, never stored. Column
/// names equal field names.
public struct EntitySchema: Hashable, Sendable {
    /// The value a field may hold.
    public enum Kind: Hashable, Sendable {
        case text
        case optionalText
        case number
        case optionalNumber
        /// Milliseconds since 1970 as a number.
        case date
        case optionalDate
        /// One of a fixed set of strings (an enum of the model).
        case choice([String])
        /// A JSON document kept as text (a normaliser, a weight table).
        case json

        /// The dates a field may hold: the years 0001…9999, what ISO 8601 writes with four digits.
        ///
        /// A date outside cannot be shown or exported as a date (and ±1e308 ms is no date at all),
        /// so it is refused like a value of the wrong type.
        public static let dateRange: ClosedRange<Double> = -62_135_596_800_000 ... 253_402_300_799_999

        static let dateRangeText = "-62135596800000 (0001-01-01T00:00:00Z) to 253402300799999 (9999-12-31T23:59:59.999Z)"

        var sqlType: String {
            switch self {
            case .number, .optionalNumber, .date, .optionalDate: "REAL"
            default: "TEXT"
            }
        }

        func accepts(_ value: FieldValue) -> Bool {
            // SQLite stores NaN as NULL and JSON has no infinities: a non-finite number could be
            // neither read back nor sent, so it is refused like a value of the wrong type.
            if case .number(let n) = value, !n.isFinite { return false }
            return switch (self, value) {
            case (.text, .string), (.json, .string), (.optionalText, .string), (.optionalText, .null): true
            case (.number, .number), (.optionalNumber, .number), (.optionalNumber, .null), (.optionalDate, .null): true
            case (.date, .number(let millis)), (.optionalDate, .number(let millis)): Self.dateRange.contains(millis)
            case (.choice(let allowed), .string(let s)): allowed.contains(s)
            default: false
            }
        }

        /// The kinds a field added after the first release may have: nullable, so that a version
        /// from a build that lacks the field reads as null.
        public static let addable: [String: Kind] = ["optionalText": .optionalText, "optionalNumber": .optionalNumber, "optionalDate": .optionalDate]

        /// The name of a kind in declarations (`rapport server schema add-field --kind`), nil for a choice.
        public var name: String? {
            switch self {
            case .text: "text"
            case .optionalText: "optionalText"
            case .number: "number"
            case .optionalNumber: "optionalNumber"
            case .date: "date"
            case .optionalDate: "optionalDate"
            case .json: "json"
            case .choice: nil
            }
        }

        /// Whether null is a value of this kind.
        public var isOptional: Bool { accepts(.null) }

        var expectation: String {
            switch self {
            case .text, .json: "a string"
            case .optionalText: "a string or null"
            case .number: "a number"
            case .optionalNumber: "a number or null"
            case .date: "a date in epoch milliseconds from \(Self.dateRangeText)"
            case .optionalDate: "a date in epoch milliseconds from \(Self.dateRangeText), or null"
            case .choice(let allowed): "one of " + allowed.joined(separator: ", ")
            }
        }
    }

    /// One field of an entity.
    public struct Field: Hashable, Sendable {
        public let name: String
        public let kind: Kind
        /// False for a field added after the first release: versions from older builds lack it.
        public let required: Bool
        public init(_ name: String, _ kind: Kind, required: Bool = true) {
            self.name = name
            self.kind = kind
            self.required = required
        }

        /// A field added by a later app version: optional, and absent from older builds' versions.
        public static func added(_ name: String, _ kind: Kind) -> Field { Field(name, kind, required: false) }
    }

    /// Whether `name` may name a field or an entity: an ASCII letter, then up to 63 letters,
    /// digits or underscores. Names become SQL columns and tables once a schema knows them.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64 else { return false }
        let letter: (UInt8) -> Bool = { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        return letter(first) && name.utf8.allSatisfy { letter($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    /// The entity name used on the wire and as the table name.
    public let name: String
    public let fields: [Field]
    let index: [String: Int]

    public init(name: String, fields: [Field]) {
        self.name = name
        self.fields = fields
        self.index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
    }

    /// Why a version does not fit this schema, or nil when it does.
    ///
    /// The reason codes (`unknown_field`, `missing_field`, `invalid_value`) are part of the sync
    /// protocol; messages name fields and expectations, never values. With `keepingUnknown` (a
    /// replica receiving a version from a newer app), a field this schema does not know is
    /// accepted when its name is well-formed (`isValidName`): the replica keeps and forwards it.
    /// Without it (a server), an unknown field is refused, and `declareHint` ends the message.
    public func problem(with values: [String: Stamped<FieldValue>], keepingUnknown: Bool = false,
                        declareHint: String? = nil) -> (reason: String, message: String)? {
        // The common case in one pass: as many values as fields and every field present means no
        // unknown name either. Anything else takes the full check, which names the first problem.
        if values.count == fields.count {
            var allPresent = true
            for field in fields {
                guard let stamped = values[field.name] else {
                    allPresent = false
                    break
                }
                guard field.kind.accepts(stamped.value) else {
                    return ("invalid_value", "\(name).\(field.name) must be \(field.kind.expectation)")
                }
            }
            if allPresent { return nil }
        }
        for name in values.keys where index[name] == nil {
            if keepingUnknown, Self.isValidName(name) { continue }
            if keepingUnknown {
                return ("invalid_value", "\(self.name) has a field whose name is not a field name (letters, digits, underscores; 64 bytes at most)")
            }
            let known = "known fields: \(fields.map(\.name).joined(separator: ", "))"
            return ("unknown_field", "\(self.name) has no field '\(name.prefix(64))'; \(known)" + (declareHint.map { "; \($0)" } ?? ""))
        }
        for field in fields {
            guard let stamped = values[field.name] else {
                if !field.required { continue }
                return ("missing_field", "\(name).\(field.name) is missing; every version carries every field")
            }
            guard field.kind.accepts(stamped.value) else {
                return ("invalid_value", "\(name).\(field.name) must be \(field.kind.expectation)")
            }
        }
        return nil
    }
}

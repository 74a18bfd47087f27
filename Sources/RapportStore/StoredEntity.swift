import Foundation
import RapportMerge
import RapportModel

/// A domain type the store keeps as replicated records.
///
/// A conformer says which schema it uses and converts itself to and from field values. The
/// conversion must be lossless for values the schema accepts (dates are kept to the millisecond).
public protocol StoredEntity: Sendable, Identifiable where ID == String {
    static var schema: EntitySchema { get }
    var fieldValues: [String: FieldValue] { get }
    init(id: String, fieldValues: [String: FieldValue]) throws
}

/// Reads typed values out of a field dictionary, throwing a clear error for a missing or mistyped one.
struct FieldReader {
    let entity: String
    let values: [String: FieldValue]

    private func fail(_ name: String, _ expected: String) -> StoreError {
        StoreError(code: .invalidData, message: "\(entity).\(name) is not \(expected); the record is damaged, re-sync it from a peer")
    }

    func string(_ name: String) throws -> String {
        guard case .string(let s) = values[name] else { throw fail(name, "a string") }
        return s
    }

    func optionalString(_ name: String) throws -> String? {
        switch values[name] {
        case .string(let s): return s
        case .null, nil: return nil
        default: throw fail(name, "a string or null")
        }
    }

    func number(_ name: String) throws -> Double {
        guard case .number(let n) = values[name] else { throw fail(name, "a number") }
        return n
    }

    func optionalNumber(_ name: String) throws -> Double? {
        switch values[name] {
        case .number(let n): return n
        case .null, nil: return nil
        default: throw fail(name, "a number or null")
        }
    }

    func date(_ name: String) throws -> Date { Date(epochMillis: try number(name)) }
    func optionalDate(_ name: String) throws -> Date? { try optionalNumber(name).map(Date.init(epochMillis:)) }

    func choice<T: RawRepresentable>(_ name: String, as type: T.Type) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try string(name)) else { throw fail(name, "a known \(T.self)") }
        return value
    }

    func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(try string(name).utf8)) } catch let error as StoreError {
            throw error
        } catch {
            throw fail(name, "valid \(T.self) JSON")
        }
    }
}

extension Date {
    init(epochMillis: Double) { self.init(timeIntervalSince1970: epochMillis / 1000) }
    var epochMillis: Double { (timeIntervalSince1970 * 1000).rounded() }
}

extension FieldValue {
    static func date(_ date: Date) -> FieldValue { .number(date.epochMillis) }
    static func date(_ date: Date?) -> FieldValue { date.map { .number($0.epochMillis) } ?? .null }
    static func text(_ text: String?) -> FieldValue { text.map(FieldValue.string) ?? .null }
    static func json<T: Encodable>(_ value: T) -> FieldValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Model values always encode; sorted keys keep equal values byte-identical across replicas.
        return .string(String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self))
    }
}

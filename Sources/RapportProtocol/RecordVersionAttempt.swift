import Foundation
import RapportMerge

/// The outcome of decoding one array element as a `RecordVersion`, as a value instead of a throw.
///
/// Stricter than `RecordVersion`'s own decoding, which ignores keys it does not know: the contract
/// says `additionalProperties: false` for a version, a stamped field and the `deleted` flag, so an
/// element with any other key is refused rather than stored without it (a client that thinks it
/// sent something the server kept would be wrong).
struct RecordVersionAttempt: Decodable {
    /// Why an element is not a record version.
    struct Reason: Error {
        let text: String
    }

    let outcome: Result<RecordVersion, Reason>

    static let versionKeys: Set<String> = ["entity", "id", "clock", "fields", "deleted"]
    static let stampedKeys: Set<String> = ["value", "stamp", "dot"]

    init(from decoder: any Decoder) throws {
        do {
            let version = try RecordVersion(from: decoder)
            if let unknown = try Self.unknownKey(in: decoder) {
                outcome = .failure(Reason(text: unknown))
            } else {
                outcome = .success(version)
            }
        } catch let error as DecodingError {
            outcome = .failure(Reason(text: error.summary(below: decoder.codingPath)))
        } catch {
            // Foundation throws its internal JSON error, without a path, for a number the target
            // type cannot hold; its text quotes the number, so only the case name is looked at.
            let isNumber = String(describing: error).hasPrefix("numberIsNotRepresentable")
            outcome = .failure(Reason(text: isNumber ? DecodingError.outOfRangeNumber : "not a record version"))
        }
    }

    /// A value-free description of the first key the contract does not allow, or nil.
    ///
    /// Called only after the element decoded, so every container asked for exists.
    private static func unknownKey(in decoder: any Decoder) throws -> String? {
        let version = try decoder.container(keyedBy: AnyKey.self)
        if let key = version.allKeys.first(where: { !versionKeys.contains($0.stringValue) }) {
            return "unknown key '\(name(key))' in a record version; it has only entity, id, clock, fields and deleted"
        }
        let fields = try version.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("fields"))
        for field in fields.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            let stamped = try fields.nestedContainer(keyedBy: AnyKey.self, forKey: field)
            if let key = stamped.allKeys.first(where: { !stampedKeys.contains($0.stringValue) }) {
                return "fields.\(name(field)): unknown key '\(name(key))'; a stamped value has only value, stamp and dot"
            }
        }
        let deleted = try version.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("deleted"))
        if let key = deleted.allKeys.first(where: { !stampedKeys.contains($0.stringValue) }) {
            return "deleted: unknown key '\(name(key))'; the deleted flag has only value, stamp and dot"
        }
        return nil
    }

    /// A key as sent, cut short so a huge key cannot make a huge rejection message.
    private static func name(_ key: AnyKey) -> String {
        key.stringValue.count > 64 ? String(key.stringValue.prefix(64)) + "…" : key.stringValue
    }
}

/// Any key of a JSON object, for reading which keys an object has.
struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil

    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

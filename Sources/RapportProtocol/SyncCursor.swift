import Foundation

/// A position in a workspace's change feed: the server epoch plus the last sequence the client has.
///
/// Opaque to clients: store the server's `nextCursor` and send it back as `since`, never build or
/// compare one. The text form is `<epoch>:<sequence>`; `start` (the empty string) means "from the
/// beginning". The epoch names one life of the server's database: when the database is replaced or
/// restored it changes, and a cursor from another epoch is refused with `cursor_epoch_mismatch`
/// instead of silently skipping changes. Encoded as its text form.
public struct SyncCursor: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The server epoch; nil only for `start`.
    public let epoch: String?
    /// The last sequence the holder has seen; 0 for `start`.
    public let sequence: Int64

    /// The beginning of every feed, valid in any epoch.
    public static let start = SyncCursor(unchecked: nil, sequence: 0)

    private init(unchecked epoch: String?, sequence: Int64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    /// A cursor the server hands out; `epoch` must be 1…64 characters of `[A-Za-z0-9-]`.
    public init(epoch: String, sequence: Int64) throws(ProtocolError) {
        guard Self.isValidEpoch(epoch) else {
            throw ProtocolError(.invalidCursor, "a server epoch must be 1 to 64 characters of A-Z, a-z, 0-9 and '-'")
        }
        guard sequence >= 0 else { throw ProtocolError(.invalidCursor, "a cursor's sequence must not be negative") }
        self.init(unchecked: epoch, sequence: sequence)
    }

    /// Parses the text form; the empty string is `start`.
    public init(_ text: String) throws(ProtocolError) {
        if text.isEmpty { self = .start; return }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        // Leading zeros are refused so every cursor has exactly one spelling.
        guard parts.count == 2, Self.isValidEpoch(parts[0]),
              !parts[1].isEmpty, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              parts[1] == "0" || parts[1].first != "0",
              let sequence = Int64(parts[1])
        else {
            throw ProtocolError(.invalidCursor, "since must be empty (start from the beginning) or a cursor exactly as the server returned it in nextCursor")
        }
        self.init(unchecked: String(parts[0]), sequence: sequence)
    }

    public var isStart: Bool { epoch == nil }

    public var description: String { epoch.map { "\($0):\(sequence)" } ?? "" }

    /// Throws `cursor_epoch_mismatch` unless this cursor is `start` or belongs to `serverEpoch`.
    public func requireEpoch(_ serverEpoch: String) throws(ProtocolError) {
        if let epoch, epoch != serverEpoch { throw ProtocolError.cursorEpochMismatch(serverEpoch: serverEpoch) }
    }

    /// Whether `text` can be a server epoch: 1…64 characters of `[A-Za-z0-9-]`.
    public static func isValidEpoch<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = text.utf8
        return (1...64).contains(bytes.count) && bytes.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

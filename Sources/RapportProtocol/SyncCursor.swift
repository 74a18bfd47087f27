import Foundation

/// A position in a workspace's change feed: the server epoch, the last sequence the client has, and
/// the tag of the server commit that wrote that sequence.
///
/// Opaque to clients: store the server's `nextCursor` and send it back as `since`, never build or
/// compare one. The text form is `<epoch>:<sequence>:<tag>` (`<epoch>:<sequence>` at sequence 0,
/// and from servers before tags; both still parse); `start` (the empty string) means "from the
/// beginning". The epoch names one life of the server's database: when the database is replaced or
/// restored with `rapport server restore` it changes. The tag catches what the epoch cannot: a file
/// copied back from a backup outside Rapport's tools keeps its epoch but forgets the commits made
/// since, and its sequences are then handed out again to other changes; a cursor whose tag is not
/// the server's for that sequence (or that points past the end) is refused with
/// `cursor_epoch_mismatch` instead of silently skipping changes. Encoded as its text form.
public struct SyncCursor: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The server epoch; nil only for `start`.
    public let epoch: String?
    /// The last sequence the holder has seen; 0 for `start`.
    public let sequence: Int64
    /// Names the server commit that wrote `sequence`; nil for `start`, sequence 0 and old cursors.
    public let tag: String?

    /// The beginning of every feed, valid in any epoch.
    public static let start = SyncCursor(unchecked: nil, sequence: 0, tag: nil)

    private init(unchecked epoch: String?, sequence: Int64, tag: String?) {
        self.epoch = epoch
        self.sequence = sequence
        self.tag = tag
    }

    /// A cursor the server hands out; `epoch` must be 1…64 characters of `[A-Za-z0-9-]`, `tag`
    /// 16 lowercase hex digits.
    public init(epoch: String, sequence: Int64, tag: String? = nil) throws(ProtocolError) {
        guard Self.isValidEpoch(epoch) else {
            throw ProtocolError(.invalidCursor, "a server epoch must be 1 to 64 characters of A-Z, a-z, 0-9 and '-'")
        }
        guard sequence >= 0 else { throw ProtocolError(.invalidCursor, "a cursor's sequence must not be negative") }
        if let tag, !Self.isValidTag(tag) {
            throw ProtocolError(.invalidCursor, "a cursor's commit tag must be 16 lowercase hex digits")
        }
        self.init(unchecked: epoch, sequence: sequence, tag: tag)
    }

    /// Parses the text form; the empty string is `start`.
    public init(_ text: String) throws(ProtocolError) {
        if text.isEmpty { self = .start; return }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        // Leading zeros are refused so every cursor has exactly one spelling.
        guard parts.count == 2 || parts.count == 3, Self.isValidEpoch(parts[0]),
              !parts[1].isEmpty, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              parts[1] == "0" || parts[1].first != "0",
              let sequence = Int64(parts[1]),
              parts.count == 2 || Self.isValidTag(parts[2])
        else {
            throw ProtocolError(.invalidCursor, "since must be empty (start from the beginning) or a cursor exactly as the server returned it in nextCursor")
        }
        self.init(unchecked: String(parts[0]), sequence: sequence, tag: parts.count == 3 ? String(parts[2]) : nil)
    }

    public var isStart: Bool { epoch == nil }

    public var description: String {
        guard let epoch else { return "" }
        return tag.map { "\(epoch):\(sequence):\($0)" } ?? "\(epoch):\(sequence)"
    }

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

    /// Whether `text` can be a commit tag: 16 lowercase hex digits.
    public static func isValidTag<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = text.utf8
        return bytes.count == 16 && bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
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

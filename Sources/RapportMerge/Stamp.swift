import Foundation

/// The identity and order of one write: a hybrid-logical-clock reading plus the writing replica.
///
/// Stamps form a total order (clock reading, then replica id), and no two writes share one as long
/// as replicas have distinct ids. On the wire a stamp is the string `wallMillis:counter:replica`,
/// e.g. `1764000000000:3:9f2c4e1a0b7d6c5e`.
public struct Stamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let hlc: HLCTimestamp
    public let replica: ReplicaID

    public init(hlc: HLCTimestamp, replica: ReplicaID) {
        self.hlc = hlc
        self.replica = replica
    }

    public static func < (lhs: Stamp, rhs: Stamp) -> Bool {
        lhs.hlc != rhs.hlc ? lhs.hlc < rhs.hlc : lhs.replica < rhs.replica
    }

    public var description: String { "\(hlc.wallMillis):\(hlc.counter):\(replica.rawValue)" }

    /// Parses `wallMillis:counter:replica`.
    public init(_ text: String) throws(ReplicationError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3,
              parts[0].count <= 15, parts[0].allSatisfy(\.isASCIIDigit), let wall = Int64(parts[0]),
              parts[1].allSatisfy(\.isASCIIDigit), let counter = UInt32(parts[1])
        else {
            throw ReplicationError(.invalidStamp, "stamp must look like 1764000000000:0:9f2c4e1a0b7d6c5e (wallMillis:counter:replica)")
        }
        self.init(hlc: HLCTimestamp(wallMillis: wall, counter: counter), replica: try ReplicaID(String(parts[2])))
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

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

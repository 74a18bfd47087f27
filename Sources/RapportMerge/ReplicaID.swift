import Foundation

/// The identity of one replica (one database file), created at random when the replica is created.
///
/// Written as 16 lowercase hexadecimal characters (64 random bits). Two replicas must never share
/// an id: a copied database file should be given a new id before it writes (see `RecordVersion`
/// for why convergence still holds if that is forgotten).
public struct ReplicaID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Parses a replica id, refusing anything that is not 16 lowercase hex characters.
    public init(_ text: String) throws(ReplicationError) {
        guard text.utf8.count == 16, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw ReplicationError(.invalidReplicaID, "replica id must be 16 lowercase hex characters, got \(text.utf8.count) characters")
        }
        self.rawValue = text
    }

    private init(unchecked: String) { self.rawValue = unchecked }

    /// A fresh id from the system's secure random source.
    public static func random() -> ReplicaID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A fresh id from `generator`; deterministic generators make reproducible simulations.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReplicaID {
        let bits = generator.next()
        let hex = String(bits, radix: 16)
        return ReplicaID(unchecked: String(repeating: "0", count: 16 - hex.count) + hex)
    }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

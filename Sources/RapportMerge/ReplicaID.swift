import Foundation

/// The identity of one replica (one database file), created at random when the replica is created.
///
/// Written as 16 lowercase hexadecimal characters (64 random bits). Two replicas must never share
/// an id: a copied database file should be given a new id before it writes (see `RecordVersion`
/// for why convergence still holds if that is forgotten).
public struct ReplicaID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id as a number; its fixed-width hex form is `rawValue`, so both order the same way.
    public let bits: UInt64

    /// The 16-character lowercase hex form.
    public var rawValue: String {
        let hex = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Parses a replica id, refusing anything that is not 16 lowercase hex characters.
    public init(_ text: String) throws(ReplicationError) {
        guard text.utf8.count == 16, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
              let bits = UInt64(text, radix: 16)
        else {
            throw ReplicationError(.invalidReplicaID, "replica id must be 16 lowercase hex characters, got \(text.utf8.count) characters")
        }
        self.bits = bits
    }

    /// The id with these 64 bits.
    public init(bits: UInt64) { self.bits = bits }

    /// A fresh id from the system's secure random source.
    public static func random() -> ReplicaID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A fresh id from `generator`; deterministic generators make reproducible simulations.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReplicaID {
        ReplicaID(bits: generator.next())
    }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.bits < rhs.bits }

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

import Foundation
import RapportMerge

/// A push body as a server reads it: every element of `versions` is either a record version or
/// the reason it could not be one.
///
/// Decoding throws only when the envelope is wrong: not an object, `protocolVersion` missing or
/// not an integer, `replica` present but malformed, `versions` missing or not an array, or a key
/// the contract does not have (`additionalProperties: false`: a client sending one believes the
/// server acts on it, and it does not). A single
/// element that fails becomes `.invalid(index:reason:)` at its position, so the server can answer
/// it with a per-record rejection and still store the rest. Decoding checks shape only; whether a
/// version is internally consistent is `RecordVersion.validate()`'s job.
public struct LenientPushRequest: Decodable, Sendable, Hashable {
    public var protocolVersion: Int
    /// The pushing replica; optional here because a server can process a batch without it.
    public var replica: ReplicaID?
    /// One entry per element of `versions`, in order.
    public var entries: [Entry]

    public init(protocolVersion: Int, replica: ReplicaID?, entries: [Entry]) {
        self.protocolVersion = protocolVersion
        self.replica = replica
        self.entries = entries
    }

    private enum CodingKeys: String, CodingKey {
        case protocolVersion, replica, versions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil }) {
            let name = unknown.stringValue.count > 64 ? String(unknown.stringValue.prefix(64)) + "…" : unknown.stringValue
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "unknown key '\(name)'; a push body has only protocolVersion, replica and versions"))
        }
        protocolVersion = try container.decode(Int.self, forKey: .protocolVersion)
        replica = try container.decodeIfPresent(ReplicaID.self, forKey: .replica)
        var versions = try container.nestedUnkeyedContainer(forKey: .versions)
        var entries: [Entry] = []
        entries.reserveCapacity(versions.count ?? 0)
        while !versions.isAtEnd {
            // The attempt never throws, so the container always moves on to the next element.
            switch try versions.decode(RecordVersionAttempt.self).outcome {
            case .success(let version): entries.append(.valid(version))
            case .failure(let reason): entries.append(.invalid(index: entries.count, reason: reason.text))
            }
        }
        self.entries = entries
    }
}

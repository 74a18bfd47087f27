import Foundation
import RapportMerge

/// The body of `POST /v1/workspaces/{workspace}/push`: a batch of record versions from one replica.
///
/// `versions` are whole record versions (not diffs); pushing the same batch twice is harmless,
/// because the server's merge is idempotent (a repeat gets `stale`). Servers read the body with
/// `WireCoding.decodePush` (one lenient pass), so one bad record never fails the batch.
public struct PushRequest: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var replica: ReplicaID
    public var versions: [RecordVersion]

    public init(protocolVersion: Int = ProtocolVersion.current, replica: ReplicaID, versions: [RecordVersion]) {
        self.protocolVersion = protocolVersion
        self.replica = replica
        self.versions = versions
    }
}

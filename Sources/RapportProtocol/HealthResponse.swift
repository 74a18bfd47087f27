import Foundation

/// The body of `GET /health`: whether the server is up, its epoch and the protocol versions it speaks.
///
/// Needs no token. `status` is `"ok"` when the server can serve requests. A client may compare
/// `epoch` with its stored cursor's to learn early that a full resync is coming.
public struct HealthResponse: Codable, Sendable, Hashable {
    public var status: String
    public var epoch: String
    public var protocolVersions: [Int]

    public init(status: String = "ok", epoch: String, protocolVersions: [Int] = ProtocolVersion.supported) {
        self.status = status
        self.epoch = epoch
        self.protocolVersions = protocolVersions
    }
}

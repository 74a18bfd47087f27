import Foundation

/// The answer to a push: one result per pushed element, in order, plus the feed position after it.
///
/// `results[i].index == i`. `cursor` is the server's latest sequence after this push; it is not a
/// substitute for pulling (other replicas' changes may lie before it), so keep using the pull cursor.
public struct PushResponse: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var results: [PushResult]
    public var cursor: SyncCursor

    public init(protocolVersion: Int = ProtocolVersion.current, results: [PushResult], cursor: SyncCursor) {
        self.protocolVersion = protocolVersion
        self.results = results
        self.cursor = cursor
    }
}

import Foundation

/// Only the `protocolVersion` of a request body, read before anything else.
///
/// A server decodes this first and refuses an unsupported version (`ProtocolVersion.require`)
/// before it interprets the rest, whose shape may differ in that version. Other keys are ignored,
/// whatever they contain.
public struct VersionHeader: Decodable, Sendable, Hashable {
    public var protocolVersion: Int

    public init(protocolVersion: Int) { self.protocolVersion = protocolVersion }
}

import Foundation

/// Only the `protocolVersion` of a request body, read before anything else, and for a push how
/// many elements `versions` has.
///
/// The `Codable` statement of what `WireCoding.decodePush` reads first (servers use that, in one
/// pass, and the tests hold it to this). A reader decodes this first and refuses an unsupported version (`ProtocolVersion.require`)
/// before it interprets the rest, whose shape may differ in that version. Other keys are ignored,
/// whatever they contain. The count comes from the same parse, so a server can refuse an oversized
/// batch before decoding any element (a body of tiny bad elements would otherwise cost a rejection
/// result each, many times their own size); it is nil when `versions` is missing or not an array,
/// which the full decode then reports.
public struct VersionHeader: Decodable, Sendable, Hashable {
    public var protocolVersion: Int
    public var versionCount: Int?

    public init(protocolVersion: Int, versionCount: Int? = nil) {
        self.protocolVersion = protocolVersion
        self.versionCount = versionCount
    }

    private enum CodingKeys: String, CodingKey {
        case protocolVersion, versions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        protocolVersion = try container.decode(Int.self, forKey: .protocolVersion)
        versionCount = (try? container.nestedUnkeyedContainer(forKey: .versions))?.count
    }
}

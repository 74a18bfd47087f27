import Foundation

/// What the server reads of a push body before decoding any record version: its
/// `protocolVersion`, and how many elements `versions` has.
///
/// Both come from the one parse that reading the version alone would cost. The count lets the
/// server refuse an oversized batch before decoding it: a body of tiny bad elements would otherwise
/// cost a rejection result each, many times their own size. It is nil when `versions` is missing
/// or not an array, which the full decode reports (422) after the version check, so a future
/// protocol version may shape `versions` differently.
struct PushHeader: Decodable {
    let protocolVersion: Int
    let versionCount: Int?

    private enum CodingKeys: String, CodingKey {
        case protocolVersion, versions
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        protocolVersion = try container.decode(Int.self, forKey: .protocolVersion)
        versionCount = (try? container.nestedUnkeyedContainer(forKey: .versions))?.count
    }
}

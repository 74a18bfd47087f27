import Foundation

/// The server's answer to a `TransportRequest`: HTTP status, headers and body, for any status.
///
/// Header names are compared case-insensitively by `header(_:)`, because HTTP treats them so and
/// transports differ in how they spell them.
public struct TransportResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.key.lowercased() == lowered }?.value
    }
}

import Foundation

/// One HTTP request as the sync session hands it to a `Transport`: method, path below the server's
/// base URL, query items, headers and body.
///
/// The path comes from `Route` and is already percent-encoded; query items are raw and encoded by
/// the transport. Authentication is the transport's business, so tokens never pass through here.
/// `timeout` is the least time this request must be allowed, which a long poll needs beyond the
/// transport's usual limit.
public struct TransportRequest: Sendable, Hashable {
    public var method: String
    public var path: String
    public var query: [URLQueryItem]
    public var headers: [String: String]
    public var body: Data?
    public var timeout: TimeInterval?

    public init(method: String, path: String, query: [URLQueryItem] = [], headers: [String: String] = [:],
                body: Data? = nil, timeout: TimeInterval? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The value of query item `name`, if present.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}

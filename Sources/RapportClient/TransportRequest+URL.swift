import Foundation

extension TransportRequest {
    /// The request's full URL below `baseURL` (whose path prefix is kept), for every transport.
    func url(on baseURL: URL) throws -> URL {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: true),
              components.scheme == "http" || components.scheme == "https", components.host != nil
        else {
            throw SyncError(.unreachable, "\(baseURL.absoluteString) is not an http(s) server URL; use one like https://sync.example.com")
        }
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        components.percentEncodedPath = prefix + path
        components.queryItems = query.isEmpty ? nil : query
        guard let url = components.url else {
            throw SyncError(.unreachable, "cannot form a URL from \(baseURL.absoluteString) and \(path)")
        }
        return url
    }

    /// `url` without its query and credentials, so no parameters (or anything secret in them) are shown.
    static func display(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        components?.query = nil
        components?.user = nil
        components?.password = nil
        return components?.string ?? url.absoluteString
    }
}

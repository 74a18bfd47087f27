import Foundation

/// The production transport for a server URL: `SocketTransport` for `http://` where Foundation's
/// networking is libcurl's (Linux), `URLSessionTransport` for `https://` and on Apple platforms.
///
/// On Linux `URLSession` keeps a core busy while a request waits for its answer, which a long
/// poll does for most of its life; `SocketTransport` sleeps instead but speaks no TLS. Apple's
/// `URLSession` does not spin and brings the system's proxies and network policies, so it stays.
public func makeTransport(server: URL, token: String?, timeout: TimeInterval = 30) -> any Transport {
    #if canImport(FoundationNetworking)
    if server.scheme?.lowercased() == "http" {
        return SocketTransport(baseURL: server, token: token, timeout: timeout)
    }
    #endif
    return URLSessionTransport(baseURL: server, token: token, timeout: timeout)
}

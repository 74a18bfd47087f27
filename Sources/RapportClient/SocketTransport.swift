import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `Transport` speaking HTTP/1.1 over plain TCP sockets to an `http://` server, sleeping in the
/// kernel while it waits for an answer.
///
/// Made for Linux, where `URLSession` (libcurl underneath) keeps a core busy for as long as a
/// request waits: a 10 s long poll cost ~7 s of CPU, which a live-sync loop would pay forever.
/// Each request runs on a thread of its own (never one of Swift's cooperative pool), blocked in
/// `poll()`; kept-alive connections are reused per server.
///
/// It behaves as `URLSessionTransport` does: `Authorization: Bearer` from `token`; `timeout` is
/// the longest wait for a connection or for data, a long poll's `request.timeout` on top; any
/// HTTP answer is returned, with its body as it came (a gzipped body stays gzipped, `SyncAPI`
/// inflates it); no answer throws `SyncError` `.unreachable` naming the URL and what to check;
/// a cancelled task throws `.cancelled` at once; an answer that is not HTTP/1.x throws
/// `.invalidResponse`. It does not speak TLS: an `https` URL is refused, and
/// `makeTransport(server:token:)` picks `URLSessionTransport` for those.
public struct SocketTransport: Transport {
    public let baseURL: URL
    public let timeout: TimeInterval
    private let token: String?
    private let pool: SocketConnectionPool

    /// - Parameters:
    ///   - baseURL: The server, e.g. `http://127.0.0.1:8080` (a path prefix is kept).
    ///   - token: The workspace's bearer token; nil sends none (only `/health` accepts that).
    ///   - timeout: Seconds to wait for a connection, or for data, before the server counts as unreachable.
    public init(baseURL: URL, token: String?, timeout: TimeInterval = 30) {
        self.init(baseURL: baseURL, token: token, timeout: timeout, pool: .shared)
    }

    init(baseURL: URL, token: String?, timeout: TimeInterval, pool: SocketConnectionPool) {
        self.baseURL = baseURL
        self.token = token
        self.timeout = timeout
        self.pool = pool
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let url = try request.url(on: baseURL)
        let place = TransportRequest.display(url)
        guard url.scheme == "http", let components = URLComponents(url: url, resolvingAgainstBaseURL: true), let host = components.host else {
            throw SyncError(.unreachable, "\(place) needs TLS, which SocketTransport does not speak; use URLSessionTransport for https servers (makeTransport(server:token:) picks it)")
        }
        let port = components.port ?? 80
        let address = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let message = try message(for: request, target: components, host: address.contains(":") ? "[\(address)]" : address, port: port)
        let exchange = Exchange(host: address, port: port, message: message, bodyless: request.method == "HEAD",
                                connectTimeout: timeout, waitTimeout: timeout + (request.timeout ?? 0), pool: pool)
        let signal: CancelSignal
        do { signal = try CancelSignal() } catch { throw Self.syncError(error, place: place) }
        do {
            return try await DedicatedThread.run(name: "rapport.http", onCancel: signal.fire) { try exchange.run(signal) }
        } catch let failure as SocketConnection.Failure {
            throw Self.syncError(failure, place: place)
        } catch let failure as HTTPResponseParser.Failure {
            throw SyncError(.invalidResponse, "\(place) sent an answer that is not HTTP/1.1 (\(failure)); check that the server URL points at a Rapport server", cause: failure)
        } catch is CancellationError {
            throw SyncError(.cancelled, "the sync was cancelled")
        }
    }

    /// The request's head and body as they go on the wire.
    private func message(for request: TransportRequest, target: URLComponents, host: String, port: Int) throws -> Data {
        let path = target.percentEncodedPath.isEmpty ? "/" : target.percentEncodedPath
        var head = "\(request.method) \(path)\(target.percentEncodedQuery.map { "?\($0)" } ?? "") HTTP/1.1\r\n"
        head += "Host: \(host)\(port == 80 ? "" : ":\(port)")\r\n"
        var fields = request.headers.filter { !Self.ownHeaders.contains($0.key.lowercased()) }.sorted { $0.key < $1.key }
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        if request.body != nil || ["POST", "PUT", "PATCH"].contains(request.method) {
            fields.append(("Content-Length", String(request.body?.count ?? 0)))
        }
        for (name, value) in fields {
            // A line break would end the header early and let the rest pass as headers of its own.
            guard !name.isEmpty, !name.contains(where: { $0 == ":" || $0.isWhitespace }), !value.contains(where: \.isNewline) else {
                throw SyncError(.badRequest, "the request's \(name) header cannot be sent over HTTP/1.1 (it holds a line break or its name a colon)")
            }
            head += "\(name): \(value)\r\n"
        }
        head += "\r\n"
        return Data(head.utf8) + (request.body ?? Data())
    }

    /// Headers the transport writes itself, whatever the request says.
    private static let ownHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection", "authorization"]

    private static func syncError(_ failure: SocketConnection.Failure, place: String) -> SyncError {
        switch failure {
        case .cancelled:
            SyncError(.cancelled, "the sync was cancelled")
        case .hostNotFound(let reason):
            SyncError(.unreachable, "cannot find the host of \(place) (\(reason)); check the server URL and the network connection", cause: failure)
        case .refused:
            SyncError(.unreachable, "cannot connect to \(place); check that the server is running and the URL's port", cause: failure)
        case .timedOut:
            SyncError(.unreachable, "\(place) did not answer in time; check the network connection and that the server is running", cause: failure)
        case .closed:
            SyncError(.unreachable, "the connection to \(place) closed before the answer was complete; \(SyncError.unreachableAdvice)", cause: failure)
        case .system(let call, let code):
            SyncError(.unreachable, "cannot reach \(place) (\(call): \(String(cString: strerror(code)))); \(SyncError.unreachableAdvice)", cause: failure)
        }
    }
}

/// One request's work on its own thread: a connection (kept-alive or new), the request sent, the
/// answer read.
private struct Exchange: Sendable {
    let host: String
    let port: Int
    let message: Data
    let bodyless: Bool
    let connectTimeout: TimeInterval
    let waitTimeout: TimeInterval
    let pool: SocketConnectionPool

    func run(_ signal: CancelSignal) throws -> TransportResponse {
        if let reused = pool.checkOut("\(host):\(port)"), let response = try roundTrip(on: reused, signal) {
            return response
        }
        let fresh = try SocketConnection.open(host: host, port: port, timeout: connectTimeout, cancel: signal)
        // A new connection is never retried: a server that closes it unanswered is unreachable.
        guard let response = try roundTrip(on: fresh, signal) else { throw SocketConnection.Failure.closed }
        return response
    }

    /// The answer, or nil when the server had closed this kept-alive connection before any of the
    /// answer arrived: the request may then go again on a new connection, once.
    private func roundTrip(on connection: SocketConnection, _ signal: CancelSignal) throws -> TransportResponse? {
        let reused = connection.requestsCarried > 0
        connection.requestsCarried += 1
        var parser = HTTPResponseParser(bodyless: bodyless)
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        do {
            try connection.write(message, timeout: waitTimeout, cancel: signal)
            while !parser.isComplete {
                let count = try connection.read(into: &buffer, timeout: waitTimeout, cancel: signal)
                if count == 0 {
                    // An answer without a length ends with the connection; any other end is a loss.
                    guard parser.receivedAny, (try? parser.finish()) != nil else { throw SocketConnection.Failure.closed }
                    break
                }
                try parser.feed(buffer[..<count])
            }
        } catch SocketConnection.Failure.closed where reused && !parser.receivedAny {
            return nil
        }
        if parser.keepsConnection { pool.checkIn(connection) }
        return TransportResponse(status: parser.status, headers: parser.headers, body: parser.body)
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The production `Transport`: HTTP(S) through Foundation's `URLSession`, so the same client runs
/// on iOS, macOS and Linux.
///
/// Every request carries `Authorization: Bearer <token>`; the token never appears in errors or
/// logs. `timeout` bounds how long one request may wait for data; a long poll gets its `wait` on
/// top. A request that gets no answer throws `SyncError` with code `.unreachable` and a message
/// naming the URL and what to check; any HTTP answer, error statuses included, is returned.
public struct URLSessionTransport: Transport {
    public let baseURL: URL
    public let timeout: TimeInterval
    private let token: String?
    private let session: URLSession

    /// - Parameters:
    ///   - baseURL: The server, e.g. `https://sync.example.com` (a path prefix is kept).
    ///   - token: The workspace's bearer token; nil sends none (only `/health` accepts that).
    ///   - timeout: Seconds a request may go without data before it counts as unreachable.
    ///   - session: The session to use; by default one shared ephemeral session, so no cookies or
    ///     cached answers ever stand in for the server's.
    public init(baseURL: URL, token: String?, timeout: TimeInterval = 30, session: URLSession? = nil) {
        self.baseURL = baseURL
        self.token = token
        self.timeout = timeout
        self.session = session ?? Self.defaultSession
    }

    private static let defaultSession = URLSession(configuration: .ephemeral)

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let url = try request.url(on: baseURL)
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData,
                                    timeoutInterval: timeout + (request.timeout ?? 0))
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if let token { urlRequest.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        urlRequest.httpBody = request.body
        let data: Data, response: URLResponse
        do {
            (data, response) = try await Self.load(urlRequest, in: session)
        } catch let error as URLError {
            throw Self.syncError(error, url: url)
        } catch is CancellationError {
            throw SyncError(.cancelled, "the sync was cancelled")
        }
        guard let http = response as? HTTPURLResponse else {
            throw SyncError(.invalidResponse, "\(Self.display(url)) did not answer over HTTP; check the server URL")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String { headers[name] = value as? String ?? "\(value)" }
        }
        return TransportResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// `session.data(for:)`, but cancelled from another thread.
    ///
    /// On Linux, `URLSession.data(for:)` cancels its task from inside the Swift task's cancellation
    /// handler, which holds the task's status lock while `URLSessionTask.cancel()` waits for the
    /// session's work queue; a network thread holding that queue while it resumes the same task
    /// waits for the status lock: both stop for good (swift-corelibs-foundation issue 5412). A
    /// live sync cancels requests all the time (a local edit interrupts its long poll), so here the
    /// cancellation handler only hands `cancel()` to a dispatch queue, holding no lock.
    private static func load(_ request: URLRequest, in session: URLSession) async throws -> (Data, URLResponse) {
        let pending = PendingTask()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let response, error == nil {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: error ?? URLError(.badServerResponse))
                    }
                }
                pending.start(task)
            }
        } onCancel: {
            DispatchQueue.global().async { pending.cancel() }
        }
    }

    /// The data task of one request, and whether it was cancelled before it started.
    private final class PendingTask: @unchecked Sendable {
        private let lock = NSLock()
        private var task: URLSessionDataTask?
        private var cancelled = false

        func start(_ task: URLSessionDataTask) {
            let cancelNow = lock.withLock {
                self.task = task
                return cancelled
            }
            task.resume()
            if cancelNow { task.cancel() }
        }

        func cancel() {
            let task = lock.withLock {
                cancelled = true
                return self.task
            }
            task?.cancel()
        }
    }

    private static func syncError(_ error: URLError, url: URL) -> SyncError {
        let place = display(url)
        switch error.code {
        case .cancelled:
            return SyncError(.cancelled, "the sync was cancelled", cause: error)
        case .timedOut:
            return SyncError(.unreachable, "\(place) did not answer in time; check the network connection and that the server is running", cause: error)
        case .cannotFindHost, .dnsLookupFailed:
            return SyncError(.unreachable, "cannot find the host of \(place); check the server URL and the network connection", cause: error)
        case .cannotConnectToHost:
            return SyncError(.unreachable, "cannot connect to \(place); check that the server is running and the URL's port", cause: error)
        case .notConnectedToInternet:
            return SyncError(.unreachable, "cannot reach \(place): this device is offline; sync again when connected", cause: error)
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return SyncError(.unreachable, "the secure connection to \(place) failed (\(error.code.rawValue)); check the URL's scheme and the server's certificate", cause: error)
        default:
            return SyncError(.unreachable, "cannot reach \(place) (URL error \(error.code.rawValue)); \(SyncError.unreachableAdvice)", cause: error)
        }
    }

    private static func display(_ url: URL) -> String { TransportRequest.display(url) }
}

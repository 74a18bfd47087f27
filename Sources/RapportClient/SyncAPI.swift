import Foundation
import RapportProtocol

/// The two protocol calls a sync makes, with retries, over a `Transport`.
///
/// Retries follow `RetryPolicy`: only failures that may pass (no answer, 429, 502/503/504) are
/// tried again, and that is safe for push too because the server's merge is idempotent.
struct SyncAPI: Sendable {
    let transport: any Transport
    let workspace: String
    let retry: RetryPolicy
    /// `SyncOptions.compression`.
    var compression = true
    /// Whether the server has said it takes gzip bodies; learned from its answers.
    let serverTakesGzip = Flag()
    /// Whether a gzipped push was refused (415) in this session; then none is sent again.
    let serverRefusedGzip = Flag()

    static let jsonHeaders = ["Content-Type": "application/json", "Accept": "application/json"]

    /// Sends an encoded `PushRequest`; returns the final answer whatever its status, so the caller
    /// can split on 413. Gzipped when the server takes it; a server that refuses the encoding
    /// after all (415) gets the body again uncompressed and no more gzip from this session.
    func push(body: Data) async throws -> TransportResponse {
        var headers = Self.jsonHeaders
        headers["Accept-Encoding"] = compression ? "gzip" : "identity"
        if compression, body.count >= Gzip.minimumSize, serverTakesGzip.value, !serverRefusedGzip.value, let compressed = Gzip.compress(body) {
            var gzipped = headers
            gzipped["Content-Encoding"] = "gzip"
            let response = try await perform(TransportRequest(method: "POST", path: Route.push(workspace: workspace),
                                                              headers: gzipped, body: compressed))
            guard response.status == 415 else { return response }
            // Sticky: a proxy may advertise gzip on every answer and still refuse gzipped bodies.
            serverRefusedGzip.value = true
        }
        return try await perform(TransportRequest(method: "POST", path: Route.push(workspace: workspace),
                                                  headers: headers, body: body))
    }

    /// One page of the change feed; any error answer is thrown as a `SyncError`
    /// (`.epochChanged` when the cursor belongs to another server epoch).
    func changes(_ query: ChangesQuery) async throws -> (page: ChangesResponse, serverTime: Date?) {
        let request = TransportRequest(
            method: "GET", path: Route.changes(workspace: workspace),
            query: query.queryItems.map { URLQueryItem(name: $0.0, value: $0.1) },
            headers: ["Accept": "application/json", "Accept-Encoding": compression ? "gzip" : "identity"],
            timeout: TimeInterval(query.wait))
        let response = try await perform(request)
        guard (200..<300).contains(response.status) else { throw SyncError.from(response, request: request) }
        return (try Self.decode(ChangesResponse.self, from: response, request: request, WireCoding.decodeChanges), response.serverDate)
    }

    /// The workspace's declared fields and entities (`GET …/schema`).
    func schema() async throws -> SchemaResponse {
        let request = TransportRequest(method: "GET", path: Route.schema(workspace: workspace), headers: ["Accept": "application/json"])
        let response = try await perform(request)
        guard (200..<300).contains(response.status) else { throw SyncError.from(response, request: request) }
        return try Self.decode(SchemaResponse.self, from: response, request: request) { data throws(ProtocolError) in
            try WireCoding.decode(SchemaResponse.self, from: data)
        }
    }

    /// Sends `request`, retrying per the policy; throws only when no answer arrived in the end.
    func perform(_ request: TransportRequest) async throws -> TransportResponse {
        var attempt = 1
        while true {
            try Self.checkCancellation()
            let outcome: Result<TransportResponse, SyncError>
            do {
                outcome = .success(try inflated(try await transport.send(request)))
            } catch {
                outcome = .failure(SyncError.from(transportError: error, request: request))
            }
            let retryable: Bool
            var hint: TimeInterval?
            switch outcome {
            case .success(let response):
                retryable = RetryPolicy.retryableStatuses.contains(response.status)
                hint = response.header("Retry-After").flatMap(TimeInterval.init)
            case .failure(let error):
                retryable = error.code == .unreachable
            }
            guard retryable, attempt < retry.attempts else { return try outcome.get() }
            // A server's Retry-After is honoured, but never beyond the policy's ceiling.
            let pause = max(retry.delay(beforeRetry: attempt), min(hint ?? 0, retry.maxDelay))
            do {
                try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
            } catch {
                throw SyncError(.cancelled, "the sync was cancelled")
            }
            attempt += 1
        }
    }

    /// The answer with its body inflated when it came gzipped and the transport left it so
    /// (`URLSession` inflates by itself; other transports may not). Notes whether the server takes gzip.
    private func inflated(_ response: TransportResponse) throws -> TransportResponse {
        if compression, Gzip.isListed(in: response.header("Accept-Encoding")) { serverTakesGzip.value = true }
        guard Gzip.isListed(in: response.header("Content-Encoding")), response.body.starts(with: [0x1f, 0x8b]) else { return response }
        var plain = response
        do {
            plain.body = try Gzip.decompress(response.body, limit: Self.maxInflatedBytes)
        } catch {
            throw SyncError(.invalidResponse, "the server's gzipped answer could not be read (\(error)); sync again, or turn compression off", httpStatus: response.status)
        }
        return plain
    }

    /// The largest answer body this client inflates: far above any page (1,000 records).
    static let maxInflatedBytes = 512 << 20

    static func checkCancellation() throws {
        if Task.isCancelled { throw SyncError(.cancelled, "the sync was cancelled") }
    }

    /// Reads an answer's body with `read` (one of `WireCoding`'s decoders), turning a failure into
    /// `invalidResponse`.
    static func decode<T>(_ type: T.Type, from response: TransportResponse, request: TransportRequest,
                          _ read: (Data) throws(ProtocolError) -> T) throws -> T {
        do {
            return try read(response.body)
        } catch {
            throw SyncError(.invalidResponse, """
                \(request.method) \(request.path) answered \(response.status) with a body that is not a valid \(T.self); \
                check that the server URL points at a Rapport server of a compatible version
                """, httpStatus: response.status, cause: error)
        }
    }
}

/// A boolean shared by the copies of a `SyncAPI` (it is a value type passed to tasks).
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var state = false
    var value: Bool {
        get { lock.withLock { state } }
        set { lock.withLock { state = newValue } }
    }
}

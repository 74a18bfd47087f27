import Foundation
import RapportClient
import RapportProtocol
import RapportServerCore
import RapportStore

/// A `Transport` that hands each request straight to a `SyncService` in this process: the real
/// protocol logic and the real `SyncSession`, without HTTP, sockets or a port.
///
/// Answers exactly what the HTTP server answers for the protocol's four endpoints (status, JSON
/// body, error codes), so a client cannot tell the difference, except that a changes request never
/// waits (`wait` is accepted and ignored) and nothing is compressed. Holds the bearer token the way
/// a real transport does. A storage failure other than a busy database is answered 500.
public struct InProcessTransport: Transport {
    public let service: SyncService
    public let token: String
    /// The largest push body accepted (413 beyond), like the server's upload limit.
    public let maxBodyBytes: Int

    public init(service: SyncService, token: String, maxBodyBytes: Int = 8 * 1024 * 1024) {
        self.service = service
        self.token = token
        self.maxBodyBytes = maxBodyBytes
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        do {
            return try answer(request)
        } catch let error as ProtocolError {
            return try Self.json(error.response, status: error.code.httpStatus)
        } catch let error as StoreError where error.code == .busy {
            return try Self.json(ProtocolError(ErrorCode("service_unavailable", httpStatus: 503), "the server's database is busy; retry in a second").response, status: 503)
        } catch let error as StoreError where error.code == .notFound {
            return try Self.json(SyncService.unknownWorkspace.response, status: 404)
        } catch {
            return try Self.json(ProtocolError(ErrorCode("internal_error", httpStatus: 500), "the server failed to handle this request").response, status: 500)
        }
    }

    private func answer(_ request: TransportRequest) throws -> TransportResponse {
        if request.path == Route.health {
            guard request.method == "GET" else { throw Self.methodNotAllowed(request.method, allowed: "GET") }
            return try Self.json(service.health(), status: 200)
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "v1", parts[2] == "workspaces", ["push", "changes", "schema"].contains(parts[4]) else {
            throw ProtocolError(.notFound, "no endpoint for \(request.method) at this path; see GET /health, POST /v1/workspaces/{workspace}/push, GET /v1/workspaces/{workspace}/changes, GET /v1/workspaces/{workspace}/schema")
        }
        let endpoint = parts[4], allowed = endpoint == "push" ? "POST" : "GET"
        guard request.method == allowed else { throw Self.methodNotAllowed(request.method, allowed: allowed) }
        let workspace = try service.authorize(authorization: "Bearer \(token)", workspace: String(parts[3]).removingPercentEncoding)
        if endpoint == "push" {
            let body = request.body ?? Data()
            guard body.count <= maxBodyBytes else { throw ProtocolError.payloadTooLarge(limit: maxBodyBytes) }
            let answer = try service.push(workspace: workspace, body: body, limit: maxBodyBytes)
            return TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(WireCoding.encode(answer.response)))
        }
        if endpoint == "schema" { return try Self.json(try service.schema(workspace: workspace), status: 200) }
        var items: [String: String] = [:]
        for item in request.query where items[item.name] == nil { items[item.name] = item.value ?? "" }
        let page = try service.changes(workspace: workspace, query: try ChangesQuery(queryItems: items))
        return TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(try SyncService.changesBody(page)))
    }

    private static func methodNotAllowed(_ method: String, allowed: String) -> ProtocolError {
        ProtocolError(.methodNotAllowed, "\(method) is not allowed here; use \(allowed)")
    }

    private static func json(_ value: some Encodable, status: Int) throws -> TransportResponse {
        TransportResponse(status: status, headers: ["Content-Type": "application/json"], body: try WireCoding.encoder().encode(value))
    }
}

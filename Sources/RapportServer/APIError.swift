import Hummingbird
import RapportProtocol
import RapportServerCore

/// An error the server answers with a protocol error body (`{"error": {"code", "message", …}}`)
/// and the HTTP status of its code.
///
/// Conforming to `HTTPResponseError` keeps every refusal out of Hummingbird's 500 path; the extra
/// `headers` carry what HTTP expects beside some statuses (`WWW-Authenticate`, `Allow`, `Retry-After`).
struct APIError: HTTPResponseError {
    let error: ProtocolError
    let headers: HTTPFields

    init(_ error: ProtocolError, headers: HTTPFields = [:]) {
        self.error = error
        self.headers = headers
    }

    init(_ code: ErrorCode, _ message: String, headers: HTTPFields = [:]) {
        self.init(ProtocolError(code, message), headers: headers)
    }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: error.code.httpStatus) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try Response.json(error.response, status: status, headers: headers)
    }

    // MARK: the refusals the server makes itself

    /// A workspace that went away after authorization (the service refuses unknown ones itself).
    static let unknownWorkspace = APIError(SyncService.unknownWorkspace)

    static func noEndpoint(_ method: HTTPRequest.Method) -> APIError {
        APIError(.notFound, "no endpoint for \(method.rawValue) at this path; see GET /health, POST /v1/workspaces/{workspace}/push, GET /v1/workspaces/{workspace}/changes")
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, "\(method.rawValue) is not allowed here; use \(list)", headers: [.allow: list])
    }

    /// A code outside the protocol's list (`ErrorCode` is extensible): clients fall back on the status.
    static let unavailable = APIError(
        ErrorCode("service_unavailable", httpStatus: 503),
        "the server's database is busy; retry in a second", headers: [.retryAfter: "1"])

    static let internalError = APIError(
        ErrorCode("internal_error", httpStatus: 500),
        "the server failed to handle this request; it was logged with the request id, retry later")
}

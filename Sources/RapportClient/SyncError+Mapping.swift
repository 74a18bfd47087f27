import Foundation
import RapportProtocol
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension SyncError {
    /// The error for a non-2xx answer, keeping the server's message and code.
    ///
    /// The code is chosen from the server's `ErrorBody.code` when it sent a known one, else from the
    /// HTTP status, so a proxy's bare 502 page is classified as well as a Rapport error body.
    static func from(_ response: TransportResponse, request: TransportRequest) -> SyncError {
        let body = try? WireCoding.decoder().decode(ErrorResponse.self, from: response.body).error
        let serverMessage = body?.message ?? fallbackMessage(response)
        let status = response.status
        let (code, advice): (Code, String?) = switch (body?.errorCode, status) {
        case (ErrorCode.unauthorized?, _), (nil, 401):
            (.unauthorized, "token missing, wrong or revoked: ask for a new one")
        case (ErrorCode.forbidden?, _), (nil, 403):
            (.forbidden, "this token does not grant the workspace; check the workspace name or ask for a token for it")
        case (ErrorCode.notFound?, _), (nil, 404):
            (.notFound, "check the workspace name and that the server URL points at a Rapport server")
        case (ErrorCode.cursorEpochMismatch?, _), (nil, 409):
            (.epochChanged, nil)
        case (ErrorCode.upgradeRequired?, _), (nil, 426):
            (.protocolMismatch, supportedAdvice(body?.supportedVersions))
        case (ErrorCode.payloadTooLarge?, _), (nil, 413):
            (.payloadTooLarge, nil)
        case (ErrorCode.tooManyRequests?, _), (nil, 429):
            (.tooManyRequests, "the server is busy; try again in a little while")
        case (_, 500...):
            (.server, "the server failed; try again later, and tell its operator if it persists")
        default:
            (.badRequest, nil)
        }
        let message = "\(request.method) \(request.path) answered \(status): \(serverMessage)" + (advice.map { " (\($0))" } ?? "")
        return SyncError(code, message, httpStatus: status, serverCode: body?.code)
    }

    /// The error for a request that got no answer at all.
    static func from(transportError error: any Error, request: TransportRequest) -> SyncError {
        if let error = error as? SyncError { return error }
        if error is CancellationError {
            return SyncError(.cancelled, "the sync was cancelled", cause: error)
        }
        if let error = error as? URLError {
            if error.code == .cancelled { return SyncError(.cancelled, "the sync was cancelled", cause: error) }
            return SyncError(.unreachable, "\(request.method) \(request.path) got no answer (\(error.localizedDescription)); \(unreachableAdvice)", cause: error)
        }
        return SyncError(.unreachable, "\(request.method) \(request.path) failed (\(error)); \(unreachableAdvice)", cause: error)
    }

    static let unreachableAdvice = "check the server URL, that the server is running, and the network connection"

    private static func supportedAdvice(_ versions: [Int]?) -> String {
        let theirs = versions.map { $0.map(String.init).joined(separator: ", ") } ?? "unknown"
        return "this app speaks protocol \(ProtocolVersion.supported.map(String.init).joined(separator: ", ")), the server \(theirs): update whichever is older"
    }

    /// A short, printable account of a body that is not a Rapport error (a proxy's HTML page, say).
    private static func fallbackMessage(_ response: TransportResponse) -> String {
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            .components(separatedBy: .newlines).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? HTTPStatusText.phrase(response.status) : text
    }
}

import Hummingbird
import Logging
import RapportProtocol
import RapportStore

/// Turns every error below it into a JSON protocol error, so no answer is ever an HTML page or an
/// empty body, and only a genuine server fault becomes a 500.
///
/// Protocol refusals keep their own status; Hummingbird's own errors (unknown route, body too
/// large) are translated to the matching protocol code; a busy database is a 503 with
/// `Retry-After`. Anything else is logged by type (never by description, which might quote request
/// data) and answered 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.translate(error, request: request, context: context).response(from: request, context: context)
        }
    }

    static func translate(_ error: any Error, request: Request, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ProtocolError:
            return APIError(error)
        case let error as StoreError:
            return translate(error, context: context)
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound: return .noEndpoint(request.method)
            case .contentTooLarge: return APIError(.payloadTooLarge(limit: context.maxUploadSize))
            case .badRequest: return APIError(.invalidRequest, "the request could not be read; check its headers and body")
            default:
                context.logger.warning("unexpected HTTP error", metadata: ["http.status": "\(error.status.code)"])
                return .internalError
            }
        default:
            context.logger.error("unexpected error", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
            return .internalError
        }
    }

    private static func translate(_ error: StoreError, context: Context) -> APIError {
        if error.code == .busy { return .unavailable }
        // Only workspace lookups throw it on the request path (a workspace gone since authorization).
        if error.code == .notFound { return .unknownWorkspace }
        // StoreError descriptions carry SQL text and codes, never bound values, so they are safe to log.
        context.logger.error("store error", metadata: ["error": "\(error)"])
        return .internalError
    }
}

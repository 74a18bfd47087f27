import Hummingbird
import Logging

/// Gives every request an id and writes one access-log line per request.
///
/// The id is the client's `x-request-id` when it is a sane token (1…64 characters of
/// `[A-Za-z0-9._-]`), so a client can correlate its own logs; otherwise a fresh one. It replaces
/// Hummingbird's `hb.request.id` in the request logger (one id per request everywhere) and is sent
/// back in the `x-request-id` header. The log line has method, path (never the query, which may
/// hold a cursor), status and duration; never headers or bodies, which hold tokens and customer data.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    // HTTPField is not re-exported by Hummingbird; reach its Name type through HTTPFields.
    static var headerName: HTTPFields.Element.Name { HTTPFields.Element.Name("x-request-id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[Self.headerName].flatMap { Self.isSane($0) ? $0 : nil } ?? RequestID().description
        var context = context
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        let start = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[Self.headerName] = id
            log(request, status: response.status.code, since: start, logger: context.logger)
            return response
        } catch {
            // Only reached if an error escapes ErrorMiddleware; Hummingbird then answers it.
            log(request, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start, logger: context.logger)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, since start: ContinuousClock.Instant, logger: Logger) {
        let elapsed = ContinuousClock.now - start
        let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("request", metadata: [
            "http.method": "\(request.method.rawValue)",
            "http.path": "\(request.uri.path.prefix(200))",
            "http.status": "\(status)",
            "duration_ms": "\((millis * 10).rounded() / 10)",
        ])
    }

    static func isSane(_ id: String) -> Bool {
        let bytes = id.utf8
        return (1...64).contains(bytes.count) && bytes.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 46 || $0 == 95
        }
    }
}

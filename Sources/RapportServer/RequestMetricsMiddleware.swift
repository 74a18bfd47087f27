import Hummingbird

/// Counts every answered request in `rapport_http_requests_total` by route template, method and
/// status (see `ServerMetrics`).
///
/// It sits inside the access log and outside `ErrorMiddleware`, so it sees the status the client
/// gets, refusals included. The route is the template the router matched (read after the handler:
/// Hummingbird fills it in on the way down), never the raw path, which names a workspace.
/// The count is taken when the answer is ready, before its body is sent, so a client that reads a
/// response and then scrapes always finds it counted.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.countRequest(route: Self.route(context), method: request.method, status: response.status.code)
            return response
        } catch {
            // Only reached if an error escapes ErrorMiddleware; Hummingbird then answers it.
            metrics.countRequest(route: Self.route(context), method: request.method,
                                 status: (error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
    }

    /// The matched template; nil for no match (Hummingbird's not-found responder says "NotFound").
    static func route(_ context: Context) -> String? {
        guard let path = context.endpointPath, path != "NotFound" else { return nil }
        return path
    }
}

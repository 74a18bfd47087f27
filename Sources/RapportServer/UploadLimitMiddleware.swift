import Hummingbird

/// Sets the configured body limit on every request's context before any handler reads a body.
struct UploadLimitMiddleware: RouterMiddleware {
    typealias Context = RapportRequestContext

    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = limit
        return try await next(request, context)
    }
}

import Foundation
import Hummingbird
import RapportMerge
import RapportProtocol
import RapportServerCore
import RapportStore

/// The endpoints of sync protocol v1 over HTTP: a thin adapter from Hummingbird to `SyncService`.
///
/// The service does the protocol (authorization, push, feed); this adds what HTTP needs: the body
/// limit, long-polling (`ChangeNotifier`), headers beside some statuses, and 405 for a known path
/// with another method. Handlers throw `APIError`/`ProtocolError` for every refusal;
/// `ErrorMiddleware` turns them into bodies.
struct SyncController: Sendable {
    typealias Context = RapportRequestContext

    static let pushPath: RouterPath = "/v1/workspaces/:workspace/push"
    static let changesPath: RouterPath = "/v1/workspaces/:workspace/changes"
    static let schemaPath: RouterPath = "/v1/workspaces/:workspace/schema"

    static var maxVersionsPerPush: Int { SyncService.maxVersionsPerPush }

    let service: SyncService
    let notifier: ChangeNotifier
    let maxWaitSeconds: Int
    /// Where storage calls run, off the cooperative pool (see `BlockingQueue`): a push waiting for
    /// SQLite's write lock or an fsync must not hold a thread other requests' I/O needs. Pushes go
    /// through `committer` on a queue of their own; `blocking` runs token checks and pulls, side by
    /// side when the storage has several connections (PostgreSQL).
    let blocking: BlockingQueue
    /// Merges the pushes of concurrent requests in shared commits (see `GroupCommit`).
    let committer: GroupCommit
    /// Push and pull durations, push outcomes and waiting long-polls (`GET /metrics`).
    let metrics: ServerMetrics

    init(service: SyncService, notifier: ChangeNotifier, maxWaitSeconds: Int, metrics: ServerMetrics = ServerMetrics()) {
        self.service = service
        self.notifier = notifier
        self.maxWaitSeconds = maxWaitSeconds
        self.metrics = metrics
        if service.storage.allowsConcurrentReads {
            blocking = BlockingQueue(label: "rapport.server.reads", concurrent: true)
            // Up to four workspaces commit side by side, each on a connection of the pool.
            committer = GroupCommit(storage: service.storage, lanes: (0..<4).map { BlockingQueue(label: "rapport.server.pushes.\($0)") })
        } else {
            blocking = BlockingQueue(label: "rapport.server.storage")
            committer = GroupCommit(storage: service.storage, queue: blocking)
        }
    }

    func addRoutes(to router: Router<Context>) {
        router.get(RouterPath(stringLiteral: Route.health), use: health)
        router.post(Self.pushPath, use: push)
        router.get(Self.changesPath, use: changes)
        router.get(Self.schemaPath, use: schema)
        router.refuseOtherMethods(at: RouterPath(stringLiteral: Route.health), allowed: .get)
        router.refuseOtherMethods(at: Self.pushPath, allowed: .post)
        router.refuseOtherMethods(at: Self.changesPath, allowed: .get)
        router.refuseOtherMethods(at: Self.schemaPath, allowed: .get)
    }

    // MARK: endpoints

    @Sendable func health(_ request: Request, context: Context) throws -> Response {
        try .json(service.health())
    }

    @Sendable func push(_ request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let workspace = try await authorize(request, context: context)
        let limit = context.maxUploadSize
        // Refuse a declared oversize body before reading a byte of it.
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(.payloadTooLarge(limit: limit))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.payloadTooLarge(limit: limit))
        }
        let data = try Self.decoded(body, contentEncoding: request.headers[.contentEncoding], limit: limit)
        let answer = try await service.push(workspace: workspace, body: data, limit: limit, committer: committer)
        if answer.stored { await notifier.notify(workspace) }
        context.logger.debug("push", metadata: [
            "sync.batch.count": "\(answer.response.results.count)",
            "sync.batch.rejected": "\(answer.response.results.count { $0.status == .rejected })",
        ])
        let response = Response.json(bytes: ByteBuffer(bytes: WireCoding.encode(answer.response)), acceptEncoding: request.headers[.acceptEncoding] ?? "")
        metrics.recordPush(answer.response, duration: ContinuousClock.now - start)
        return response
    }

    @Sendable func changes(_ request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let workspace = try await authorize(request, context: context)
        var items: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where items[String(key)] == nil {
            items[String(key)] = String(value)
        }
        let query = try ChangesQuery(queryItems: items)
        // Read before querying, so a push landing between the query and the wait still wakes us.
        let generation = await notifier.generation(of: workspace)
        var page = try await blocking.run { [service] in try service.changes(workspace: workspace, query: query) }
        let wait = min(query.wait, maxWaitSeconds)
        var waited = ServerMetrics.PullWait.none
        if page.entries.isEmpty, wait > 0 {
            let woken = await metrics.waiting { await notifier.wait(for: workspace, after: generation, timeout: .seconds(wait)) }
            waited = woken ? .woken : .timedOut
            if woken {
                page = try await blocking.run { [service] in try service.changes(workspace: workspace, query: query) }
            }
        }
        let response = try Response.json(bytes: ByteBuffer(bytes: SyncService.changesBody(page)), acceptEncoding: request.headers[.acceptEncoding] ?? "")
        metrics.recordPull(duration: ContinuousClock.now - start, wait: waited)
        return response
    }

    @Sendable func schema(_ request: Request, context: Context) async throws -> Response {
        let workspace = try await authorize(request, context: context)
        let answer = try await blocking.run { [service] in try service.schema(workspace: workspace) }
        return try .json(answer)
    }

    // MARK: helpers

    /// A push body as sent, or inflated when it came with `Content-Encoding: gzip` (never beyond
    /// the body limit, so a small compressed body cannot expand into gigabytes).
    static func decoded(_ body: ByteBuffer, contentEncoding: String?, limit: Int) throws -> Data {
        let encoding = contentEncoding?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch encoding {
        case "", "identity":
            return Data(body.readableBytesView)
        case "gzip", "x-gzip":
            do {
                return try Gzip.decompress(Data(body.readableBytesView), limit: limit)
            } catch .tooLarge {
                throw APIError(ProtocolError(.payloadTooLarge, "the gzipped body inflates beyond the server's limit of \(limit) bytes: push in smaller batches", limit: limit))
            } catch {
                throw APIError(.invalidRequest, "the body says Content-Encoding: gzip but \(error.description); send valid gzip or an uncompressed body")
            }
        default:
            let shown = encoding.count > 32 ? String(encoding.prefix(32)) + "…" : encoding
            throw APIError(.unsupportedEncoding, "Content-Encoding '\(shown)' is not supported; send the body gzipped or uncompressed",
                           headers: [.acceptEncoding: "gzip"])
        }
    }

    /// The workspace of the path, once the bearer token is known, unrevoked and grants it.
    func authorize(_ request: Request, context: Context) async throws -> String {
        let header = request.headers[.authorization], workspace = context.parameters.get("workspace")
        do {
            return try await blocking.run { [service] in try service.authorize(authorization: header, workspace: workspace) }
        } catch let error as ProtocolError where error.code == .unauthorized {
            throw APIError(error, headers: [.wwwAuthenticate: "Bearer"])
        }
    }
}

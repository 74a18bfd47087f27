import Foundation
import Hummingbird
import RapportMerge
import RapportProtocol
import RapportStore

/// The endpoints of sync protocol v1: health, push and the change feed, over one `ServerStore`.
///
/// Every sync request is checked in the same order: token (401), workspace (404), grant (403),
/// then the request itself, whose `protocolVersion` is read before anything else (426). Handlers
/// throw `APIError`/`ProtocolError` for every refusal; `ErrorMiddleware` turns them into bodies.
struct SyncController: Sendable {
    typealias Context = RapportRequestContext

    static let pushPath: RouterPath = "/v1/workspaces/:workspace/push"
    static let changesPath: RouterPath = "/v1/workspaces/:workspace/changes"

    /// The most record versions one push may carry (413 beyond): far above what clients send
    /// (500 by default), low enough that a batch of tiny bad elements cannot make a huge answer.
    static let maxVersionsPerPush = 10_000

    let store: ServerStore
    let notifier: ChangeNotifier
    let maxWaitSeconds: Int

    func addRoutes(to router: Router<Context>) {
        router.get(RouterPath(stringLiteral: Route.health), use: health)
        router.post(Self.pushPath, use: push)
        router.get(Self.changesPath, use: changes)
        // Hummingbird answers a known path with an unknown method as 404; the protocol says 405.
        // QUERY (an IETF draft method) is listed because API fuzzers and some clients send it.
        let routes: [(RouterPath, HTTPRequest.Method)] = [(RouterPath(stringLiteral: Route.health), .get), (Self.pushPath, .post), (Self.changesPath, .get)]
        let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace] + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for (path, allowed) in routes {
            for method in methods where method != allowed {
                router.on(path, method: method) { request, _ -> Response in
                    throw APIError.methodNotAllowed(request.method, allowed: [allowed])
                }
            }
        }
    }

    // MARK: endpoints

    @Sendable func health(_ request: Request, context: Context) throws -> Response {
        try .json(HealthResponse(epoch: store.epoch))
    }

    @Sendable func push(_ request: Request, context: Context) async throws -> Response {
        let workspace = try authorize(request, context: context)
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
        let data = Data(body.readableBytesView)
        let header = try WireCoding.decode(VersionHeader.self, from: data)
        try ProtocolVersion.require(header.protocolVersion)
        if let count = header.versionCount, count > Self.maxVersionsPerPush {
            throw APIError(ProtocolError(.payloadTooLarge, "a push carries at most \(Self.maxVersionsPerPush) record versions; this one has \(count): push in smaller batches", limit: limit))
        }
        let batch = try WireCoding.decode(LenientPushRequest.self, from: data)
        // The decoder tolerates a missing replica; the contract requires it, so a client that omits it
        // learns now rather than when the server starts to use it.
        guard batch.replica != nil else {
            throw ProtocolError(.unprocessable, "the request body has the wrong shape: replica is missing; send the pushing replica's id (16 lowercase hex characters)")
        }

        var results: [PushResult?] = Array(repeating: nil, count: batch.entries.count)
        var valid: [(index: Int, version: RecordVersion)] = []
        valid.reserveCapacity(batch.entries.count)
        for (index, entry) in batch.entries.enumerated() {
            switch entry {
            case .valid(let version): valid.append((index, version))
            case .invalid(_, let reason): results[index] = .rejected(index: index, reason: RejectionReason.invalidVersion, message: reason)
            }
        }
        let outcomes = valid.isEmpty ? [] : try store.push(workspace: workspace, versions: valid.map(\.version))
        var stored = false
        for ((index, version), outcome) in zip(valid, outcomes) {
            let (entity, id) = Self.echo(version)
            switch outcome {
            case .accepted(let sequence):
                results[index] = PushResult(index: index, entity: entity, id: id, status: .accepted, sequence: sequence)
                stored = true
            case .stale(let sequence):
                results[index] = PushResult(index: index, entity: entity, id: id, status: .stale, sequence: sequence)
            case .merged(let sequence, let conflicts):
                results[index] = PushResult(index: index, entity: entity, id: id, status: .merged, sequence: sequence, conflicts: conflicts.count)
                stored = true
            case .rejected(let reason, let message):
                results[index] = .rejected(index: index, entity: entity, id: id, reason: reason, message: message)
            }
        }
        if stored { await notifier.notify(workspace) }
        let head = try store.feedHead(workspace: workspace)
        let response = PushResponse(results: results.compactMap { $0 }, cursor: try Self.cursor(head))
        context.logger.debug("push", metadata: [
            "sync.batch.count": "\(batch.entries.count)",
            "sync.batch.rejected": "\(response.results.count { $0.status == .rejected })",
        ])
        return try .json(response)
    }

    @Sendable func changes(_ request: Request, context: Context) async throws -> Response {
        let workspace = try authorize(request, context: context)
        var items: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where items[String(key)] == nil {
            items[String(key)] = String(value)
        }
        let query = try ChangesQuery(queryItems: items)
        let since = FeedPosition(epoch: query.since.epoch, sequence: query.since.sequence, tag: query.since.tag)
        // Read before querying, so a push landing between the query and the wait still wakes us.
        let generation = await notifier.generation(of: workspace)
        var page = try feedPage(workspace, since: since, limit: query.limit)
        let wait = min(query.wait, maxWaitSeconds)
        if page.entries.isEmpty, wait > 0,
           await notifier.wait(for: workspace, after: generation, timeout: .seconds(wait)) {
            page = try feedPage(workspace, since: since, limit: query.limit)
        }
        return try .json(bytes: Self.changesBody(page))
    }

    /// A page after `since`, or `cursor_epoch_mismatch` when `since` is from another history of the
    /// database: another epoch, past the end of the feed (a restored older copy), or a sequence
    /// another commit wrote (a restored copy that has handed the sequence out again).
    private func feedPage(_ workspace: String, since: FeedPosition, limit: Int) throws -> ChangeFeedPage {
        do {
            return try store.changes(workspace: workspace, since: since, limit: limit)
        } catch let error as StoreError where error.code == .historyChanged {
            throw ProtocolError.cursorEpochMismatch(serverEpoch: store.epoch)
        }
    }

    // MARK: helpers

    /// The workspace of the path, once the bearer token is known, unrevoked and grants it.
    func authorize(_ request: Request, context: Context) throws -> String {
        guard let header = request.headers[.authorization] else { throw APIError.missingToken }
        let scheme = "bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme else { throw APIError.missingToken }
        let secret = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        guard let tokenID = TokenSecrets.parse(secret),
              let credential = try store.tokenCredential(id: tokenID),
              TokenSecrets.matches(secret, storedHash: credential.secretHash)
        else { throw APIError.unknownToken }
        // Revocation is told only to someone holding the real secret.
        guard !credential.isRevoked else { throw APIError.revokedToken }
        guard let workspace = context.parameters.get("workspace"),
              ServerStore.isValidWorkspaceName(workspace), try store.hasWorkspace(workspace)
        else { throw APIError.unknownWorkspace }
        guard credential.workspace == workspace else { throw APIError.forbidden }
        return workspace
    }

    /// Entity and id to echo in a result: only when they are sane identifiers, never a megabyte of text.
    private static func echo(_ version: RecordVersion) -> (entity: String?, id: String?) {
        (version.entity.isEmpty || version.entity.utf8.count > 64 ? nil : version.entity,
         version.id.isEmpty || version.id.utf8.count > 256 ? nil : version.id)
    }

    /// The protocol's cursor for a feed position the store handed out.
    static func cursor(_ position: FeedPosition) throws -> SyncCursor {
        guard let epoch = position.epoch else { return .start }
        return try SyncCursor(epoch: epoch, sequence: position.sequence, tag: position.tag)
    }

    /// A `ChangesResponse` written around the stored version JSON, which is spliced in as is:
    /// decoding and re-encoding every version would make the hot path several times slower.
    static func changesBody(_ page: ChangeFeedPage) throws -> ByteBuffer {
        let next = try cursor(page.next)
        let epoch = page.next.epoch ?? ""
        var buffer = ByteBuffer()
        buffer.reserveCapacity(page.entries.reduce(160) { $0 + $1.json.utf8.count + 40 })
        // Epoch and cursor are [A-Za-z0-9:-] by construction, so they need no JSON escaping.
        buffer.writeString("{\"protocolVersion\":\(ProtocolVersion.current),\"epoch\":\"\(epoch)\",\"changes\":[")
        for (position, entry) in page.entries.enumerated() {
            buffer.writeString(position == 0 ? "{\"sequence\":" : ",{\"sequence\":")
            buffer.writeString(String(entry.sequence))
            buffer.writeString(",\"version\":")
            buffer.writeString(entry.json)
            if !entry.conflicts.isEmpty {
                buffer.writeString(",\"conflicts\":[")
                buffer.writeString(entry.conflicts.joined(separator: ","))
                buffer.writeString("]")
            }
            buffer.writeString("}")
        }
        buffer.writeString("],\"nextCursor\":\"\(next)\",\"hasMore\":\(page.hasMore)}")
        return buffer
    }
}

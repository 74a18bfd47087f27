import Foundation
import RapportMerge
import RapportProtocol
import RapportStore

/// The sync protocol v1 without HTTP: authorization, push (body in, answer out) and the change feed
/// (query in, page bytes out), over a `SyncStorage`.
///
/// One implementation of the protocol's semantics for every adapter: the Hummingbird server
/// (`RapportServer`) and in-process transports for tests and the simulator. Every refusal is a
/// `ProtocolError` (the adapter picks the status from its code); storage failures are thrown as they
/// are. Waiting for changes (long-poll) is the adapter's business: the service answers at once.
public struct SyncService: Sendable {
    /// The most record versions one push may carry (413 beyond): far above what clients send
    /// (500 by default), low enough that a batch of tiny bad elements cannot make a huge answer.
    public static let maxVersionsPerPush = 10_000

    public let storage: any SyncStorage

    public init(storage: any SyncStorage) {
        self.storage = storage
    }

    /// The answer to `GET /health`.
    public func health() -> HealthResponse { HealthResponse(epoch: storage.epoch) }

    /// The answer to `GET /v1/workspaces/{workspace}/schema` (`workspace` already authorized).
    public func schema(workspace: String) throws -> SchemaResponse {
        let schema = try storage.workspaceSchema(workspace)
        return SchemaResponse(workspace: workspace, declared: schema.additions.flatMap(DeclaredField.rows))
    }

    // MARK: authorization

    public static let missingToken = ProtocolError(.unauthorized, "this endpoint needs a token: send the header 'Authorization: Bearer <token>'")
    public static let unknownToken = ProtocolError(.unauthorized, "the token is not valid on this server; ask an administrator for one (rapport server token add)")
    public static let revokedToken = ProtocolError(.unauthorized, "the token was revoked; ask an administrator for a new one (rapport server token add)")
    public static let forbidden = ProtocolError(.forbidden, "the token does not grant this workspace; use a token issued for it")
    public static let unknownWorkspace = ProtocolError(.notFound, "no such workspace on this server; check the name, or create it (rapport server workspace add)")

    /// The workspace named in the path, once `authorization` (the `Authorization` header's value)
    /// holds a known, unrevoked bearer token that grants it.
    ///
    /// Checked in this order: token (401), workspace (404), grant (403). Revocation is told only
    /// to someone holding the real secret.
    public func authorize(authorization: String?, workspace: String?) throws -> String {
        guard let header = authorization else { throw Self.missingToken }
        let scheme = "bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme else { throw Self.missingToken }
        let secret = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        guard let tokenID = TokenSecrets.parse(secret),
              let credential = try storage.tokenCredential(id: tokenID),
              TokenSecrets.matches(secret, storedHash: credential.secretHash)
        else { throw Self.unknownToken }
        guard !credential.isRevoked else { throw Self.revokedToken }
        guard let workspace, ServerStore.isValidWorkspaceName(workspace), try storage.hasWorkspace(workspace)
        else { throw Self.unknownWorkspace }
        guard credential.workspace == workspace else { throw Self.forbidden }
        return workspace
    }

    // MARK: push

    /// What a push did: the answer to send, and whether anything was stored (so waiting readers
    /// of the workspace should be woken).
    public struct PushAnswer: Sendable {
        public let response: PushResponse
        public let stored: Bool
    }

    /// Reads a push body and merges its versions into `workspace` (already authorized).
    ///
    /// One lenient pass over the body (`WireCoding.decodePush`): `protocolVersion` is checked first
    /// (426), then the element count (413 beyond `maxVersionsPerPush`; `limit` is the adapter's byte
    /// limit, reported with it), then the envelope (400/422); each element is then judged alone.
    public func push(workspace: String, body: some ContiguousBytes, limit: Int, now: Date = Date()) throws -> PushAnswer {
        let request = try readPush(body, limit: limit)
        let valid = request.valid.map(\.version)
        // Even a push with nothing valid goes to storage: it answers with the feed head (and 404s
        // a workspace that went away).
        let commit = try storage.push([PushBatch(workspace: workspace, versions: valid)], now: now)[0].get()
        return try answer(request, commit)
    }

    /// The same as `push(workspace:body:limit:now:)`, with the merge made in the next group commit
    /// of `committer` (shared with the pushes of other requests) and the body read on the caller's task.
    public func push(workspace: String, body: some ContiguousBytes & Sendable, limit: Int, committer: GroupCommit) async throws -> PushAnswer {
        let request = try readPush(body, limit: limit)
        let valid = request.valid.map(\.version)
        let commit = try await committer.push(PushBatch(workspace: workspace, versions: valid))
        return try answer(request, commit)
    }

    /// A push body read and judged element by element, before any storage is touched.
    struct ReadPush {
        var count: Int
        var valid: [(index: Int, version: RecordVersion)]
        var rejected: [PushResult]
    }

    private func readPush(_ body: some ContiguousBytes, limit: Int) throws -> ReadPush {
        let batch = try WireCoding.decodePush(body, maxVersions: Self.maxVersionsPerPush, limit: limit)
        // The decoder tolerates a missing replica; the contract requires it, so a client that omits it
        // learns now rather than when the server starts to use it.
        guard batch.replica != nil else {
            throw ProtocolError(.unprocessable, "the request body has the wrong shape: replica is missing; send the pushing replica's id (16 lowercase hex characters)")
        }
        var read = ReadPush(count: batch.entries.count, valid: [], rejected: [])
        read.valid.reserveCapacity(batch.entries.count)
        for (index, entry) in batch.entries.enumerated() {
            switch entry {
            case .valid(let version) where Self.countsFitInt64(version): read.valid.append((index, version))
            case .valid: read.rejected.append(.rejected(index: index, reason: RejectionReason.invalidVersion, message: Self.countsTooLarge))
            case .invalid(_, let reason): read.rejected.append(.rejected(index: index, reason: RejectionReason.invalidVersion, message: reason))
            }
        }
        return read
    }

    /// The contract caps clock counts and dots at 2^63 - 1 (`format: int64`), which generated
    /// clients and signed 64-bit columns can hold; one write adds one, so no real replica gets near.
    static func countsFitInt64(_ version: RecordVersion) -> Bool {
        let max = UInt64(Int64.max)
        return version.clock.entries.values.allSatisfy { $0 <= max } && version.deleted.dot <= max
            && version.fields.values.allSatisfy { $0.dot <= max }
    }

    static let countsTooLarge = "clock counts and dots must be at most 9223372036854775807 (2^63 - 1)"

    private func answer(_ request: ReadPush, _ commit: PushCommit) throws -> PushAnswer {
        var results: [PushResult?] = Array(repeating: nil, count: request.count)
        for rejected in request.rejected { results[rejected.index] = rejected }
        var stored = false
        for ((index, version), outcome) in zip(request.valid, commit.outcomes) {
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
        return PushAnswer(response: PushResponse(results: results.compactMap { $0 }, cursor: try Self.cursor(commit.head)), stored: stored)
    }

    /// Entity and id to echo in a result: only when they are sane identifiers, never a megabyte of text.
    private static func echo(_ version: RecordVersion) -> (entity: String?, id: String?) {
        (version.entity.isEmpty || version.entity.utf8.count > 64 ? nil : version.entity,
         version.id.isEmpty || version.id.utf8.count > 256 ? nil : version.id)
    }
}

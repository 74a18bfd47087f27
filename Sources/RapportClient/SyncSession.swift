import Foundation
import RapportProtocol
import RapportStore

/// Synchronizes one local `Store` with one workspace on a Rapport server: pushes the outbox, then
/// pulls the change feed.
///
/// **Resumable.** A sync may be killed at any instant (app suspended, network lost, process
/// killed) and the next `sync()` finishes the job, because progress lives only in the store's
/// transactions: an outbox entry is cleared only after the server answered for that exact version
/// (unanswered ones are sent again, and the server answers duplicates `stale`), and the pull cursor
/// moves only in the same transaction as the data of its page. Nothing needs manual repair.
///
/// **Failures.** Requests that fail in a way that may pass (no answer, 429, 502/503/504) are
/// retried per `SyncOptions.retry`; anything else throws a `SyncError` carrying the server's message.
/// A record the server refuses is set aside (`Store.rejections()`) and reported, never blocking
/// the rest of the outbox. Store failures are thrown as the store's own errors.
///
/// **New server database.** When the server's epoch changed (it was replaced or restored), every
/// local record is queued again, the cursor reset and the sync run once more from the start;
/// the report then says `fullResync`.
///
/// **One at a time.** A sync holds its replica's sync lock (`ReplicaSyncLock`, a file lock beside
/// the replica) from start to end, so syncs of one replica never overlap, whether they come from
/// this process or another (a `rapport sync` run while an app's live sync is on): a second sync
/// waits for the first, up to `SyncOptions.lockTimeout`.
public final class SyncSession: Sendable {
    public let store: Store
    public let transport: any Transport
    public let workspace: String
    public let options: SyncOptions
    private let progress: @Sendable (SyncProgress) -> Void

    /// - Parameters:
    ///   - store: The replica to sync.
    ///   - transport: How requests reach the server; `makeTransport(server:token:timeout:)` picks one.
    ///   - workspace: The workspace on the server, which the transport's token must grant.
    ///   - options: Batch and page sizes, retries, long polling, compression.
    ///   - progress: Called after every push batch and pulled page, on the sync's task; keep it
    ///     quick (print a line, update a model).
    public init(store: Store, transport: any Transport, workspace: String, options: SyncOptions = SyncOptions(),
                progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }) {
        self.store = store
        self.transport = transport
        self.workspace = workspace
        self.options = options
        self.progress = progress
    }

    /// Pushes every pending local change, then pulls and applies every change the server has
    /// beyond this replica's cursor.
    public func sync() async throws -> SyncReport {
        try await sync(pushing: true)
    }

    /// A sync; without `pushing`, a pull only (a live sync's long poll, which must not send edits
    /// before their debounce has passed).
    func sync(pushing: Bool, yieldingToWaiters: Bool = false) async throws -> SyncReport {
        let lock = try await ReplicaSyncLock.acquire(storePath: store.path, timeout: options.lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        guard yieldingToWaiters, let lock else { return try await syncHoldingLock(pushing: pushing) }
        // A live sync's long poll gives way to a sync that waits for this replica: it ends as if
        // cancelled (nothing is half-applied) and lets the other one in.
        return try await withThrowingTaskGroup(of: SyncReport?.self) { group in
            group.addTask { try await self.syncHoldingLock(pushing: pushing) }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    if lock.othersAreWaiting() { throw SyncError(.cancelled, Self.gaveWay) }
                }
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let report = result { return report }
            }
            throw SyncError(.cancelled, "the sync was cancelled")
        }
    }

    /// The message of a live sync's long poll that ended to let a waiting sync in.
    static let gaveWay = "gave way to another sync of this replica"

    private func syncHoldingLock(pushing: Bool) async throws -> SyncReport {
        let started = Date()
        var report = SyncReport()
        do {
            try await pushThenPull(into: &report, pushing: pushing)
        } catch let error as SyncError where error.code == .epochChanged {
            let pending = try await store.perform { store in
                try store.resetForFullResync()
                return try store.info().pendingChanges
            }
            report.fullResync = true
            progress(SyncProgress(phase: .resyncing, done: 0, total: pending))
            do {
                try await pushThenPull(into: &report, pushing: true)
            } catch let again as SyncError where again.code == .epochChanged {
                throw SyncError(.epochChanged, "the server's database changed again during a full resync; sync again. \(again.message)",
                                httpStatus: again.httpStatus, serverCode: again.serverCode, cause: again)
            }
        }
        report.duration = Date().timeIntervalSince(started)
        return report
    }

    /// The workspace's schema as the server checks pushes against it: the built-in entities plus
    /// what an operator declared (`GET /v1/workspaces/{workspace}/schema`).
    public func serverSchema() async throws -> ReplicaSchema {
        let api = SyncAPI(transport: transport, workspace: workspace, retry: options.retry, compression: options.compression)
        return try Self.schema(of: try await api.schema())
    }

    static func schema(of response: SchemaResponse) throws -> ReplicaSchema {
        var schema = ReplicaSchema.builtIn
        for field in response.declared {
            guard let kind = EntitySchema.Kind.addable[field.kind] else {
                throw SyncError(.invalidResponse, "the server declares \(field.entity.prefix(64)).\(field.field.prefix(64)) with a kind this build does not know; upgrade the app")
            }
            let addition = SchemaAddition(entity: field.entity, isNewEntity: schema.byName[field.entity] == nil,
                                          fields: [SchemaAddition.Field(name: field.field, kind: kind)])
            do { schema = try schema.adding(addition) } catch {
                throw SyncError(.invalidResponse, "the server's schema does not fit this build's: \(error)")
            }
        }
        return schema
    }

    /// The `entity.field` names this store's schema adds that the workspace does not declare, or
    /// nil when there are none (no request is made for a store of the built-in schema).
    private func undeclaredAdditions(_ api: SyncAPI) async throws -> [String]? {
        let additions = store.schema.additions
        guard !additions.isEmpty else { return nil }
        let server = try Self.schema(of: try await api.schema())
        let missing = additions.flatMap { addition in
            addition.fields.filter { field in server.byName[addition.entity]?.fields.contains { $0.name == field.name } != true }
                .map { "\(addition.entity).\($0.name)" }
        }
        return missing.isEmpty ? nil : missing
    }

    private func pushThenPull(into report: inout SyncReport, pushing: Bool) async throws {
        let workspace = workspace, switching = options.switchWorkspace
        if try await store.perform({ store in
            let recovered = try store.recoverClockIfNeeded()
            try store.bindWorkspace(workspace, switching: switching)
            return recovered
        }) { report.clockRecovered = true }
        let api = SyncAPI(transport: transport, workspace: workspace, retry: options.retry, compression: options.compression)
        // A sync cut between its push and its pull left a position to verify before pushing more.
        try await PullRun.verifyPushes(store: store, api: api)
        guard pushing else { return try await PullRun(store: store, api: api, options: options, progress: progress).run(into: &report) }
        if let undeclared = try await undeclaredAdditions(api) {
            // Pushing now would have the server refuse (and this store set aside) every record
            // carrying them; the pull is harmless, and the writes wait in the outbox.
            try await PullRun(store: store, api: api, options: options, progress: progress).run(into: &report)
            throw SyncError(.schemaNotDeclared, """
                workspace '\(workspace.prefix(64))' does not declare \(undeclared.joined(separator: ", ")), which this app version writes; \
                nothing was pushed (changes were pulled). An operator declares them with `rapport server schema add-field` or `add-entity`; then sync again
                """)
        }
        var push = PushRun(store: store, api: api, options: options, progress: progress)
        try await push.run(into: &report)
        try await PullRun(store: store, api: api, options: options, progress: progress).run(into: &report)
    }
}

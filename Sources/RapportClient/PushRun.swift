import Foundation
import RapportMerge
import RapportProtocol
import RapportStore

/// The push half of one sync: drains the outbox in batches and records what the server said.
///
/// An outbox entry leaves the outbox only after the server answered for that exact version
/// (`Store.acknowledge` on accepted, stale or merged; `Store.setAside` on rejected), so a push
/// interrupted anywhere is simply repeated by the next sync and answered `stale`.
struct PushRun {
    /// A pending change with its version already encoded, so sizing and sending encode it once.
    struct Encoded {
        let change: PendingChange
        let json: [UInt8]
    }

    let store: Store
    let api: SyncAPI
    let options: SyncOptions
    let progress: @Sendable (SyncProgress) -> Void
    /// The largest body to send; lowered to the server's limit when a 413 tells it.
    private var byteLimit: Int
    private var done = 0
    private var total = 0
    /// The furthest feed position an acknowledged push of this run reached.
    private var furthestCheck: SyncCursor?

    init(store: Store, api: SyncAPI, options: SyncOptions, progress: @escaping @Sendable (SyncProgress) -> Void) {
        self.store = store
        self.api = api
        self.options = options
        self.progress = progress
        self.byteLimit = options.maxBatchBytes
    }

    mutating func run(into report: inout SyncReport) async throws {
        let info = try await store.perform { try $0.info() }
        total = info.pendingChanges
        guard total > 0 else { return }
        let envelope = Envelope(replica: info.replicaID)
        // Each read drains its entries, so rounds beyond the outbox's size in batches only come
        // from writes made during the sync; the bound stops a server that never lets go.
        let perBatch = max(1, options.maxBatchCount)
        let rounds = (total + perBatch - 1) / perBatch * 2 + 8
        // Entries already tried in this sync (refused for now, e.g. `clock_drift`) stay queued; the
        // next read starts after them, so they never hide the entries behind them. A record written
        // during the sync is queued anew with a later number and is pushed in a later round.
        var after: Int64 = 0
        // Up to `options.pipelineDepth` batches are in flight while the next is read and encoded and the
        // oldest answer is recorded: the server merges (and syncs to disk, sharing one commit
        // between batches that arrive together) while this replica prepares or acknowledges
        // others, instead of each side waiting for the other. Batches are independent (one
        // outbox entry per record, acknowledged only for the exact version answered), so their
        // answers may be recorded in any order; they are recorded in the order sent.
        var inFlight: [InFlight] = []
        defer { for sent in inFlight { sent.request.cancel() } }
        for _ in 0..<rounds {
            try SyncAPI.checkCancellation()
            let fresh = try await store.perform { [after] in try $0.pendingChanges(limit: perBatch, after: after) }
            guard let last = fresh.last else {
                // Records written while the last batch was in flight are queued behind it: read
                // again once it is answered, and stop only when nothing is left and nothing in flight.
                guard !inFlight.isEmpty else { break }
                while !inFlight.isEmpty { try await record(inFlight.removeFirst(), envelope: envelope, into: &report) }
                continue
            }
            after = last.token.change
            total = max(total, done + fresh.count)
            let encoded = fresh.map { Encoded(change: $0, json: WireCoding.encode($0.version)) }
            var start = 0
            while start < encoded.count {
                let end = batchEnd(encoded[...], from: start, envelope: envelope)
                let batch = encoded[start..<end]
                let body = envelope.body(batch.map(\.json))
                let request = Task { [api] in try await api.push(body: body) }
                inFlight.append(InFlight(batch: batch, request: request))
                if inFlight.count >= max(1, options.pipelineDepth) {
                    try await record(inFlight.removeFirst(), envelope: envelope, into: &report)
                }
                start = end
            }
        }
        while !inFlight.isEmpty { try await record(inFlight.removeFirst(), envelope: envelope, into: &report) }
    }

    /// A push sent and not yet answered.
    private struct InFlight {
        let batch: ArraySlice<Encoded>
        let request: Task<TransportResponse, any Error>
    }

    /// Waits for the answer to `sent` (cancelling it if this sync is cancelled) and records it.
    private mutating func record(_ sent: InFlight, envelope: Envelope, into report: inout SyncReport) async throws {
        let response = try await withTaskCancellationHandler {
            try await sent.request.value
        } onCancel: {
            sent.request.cancel()
        }
        try await handle(response, for: sent.batch, envelope: envelope, into: &report)
    }

    /// The end of the batch starting at `start`: as many entries as fit both bounds, at least one.
    private func batchEnd(_ encoded: ArraySlice<Encoded>, from start: Int, envelope: Envelope) -> Int {
        var size = envelope.overhead
        var end = start
        while end < encoded.endIndex, end - start < max(1, options.maxBatchCount) {
            let added = encoded[end].json.count + (end > start ? 1 : 0)
            if end > start, size + added > byteLimit { break }
            size += added
            end += 1
        }
        return end
    }

    private mutating func send(_ batch: ArraySlice<Encoded>, envelope: Envelope, into report: inout SyncReport) async throws {
        try SyncAPI.checkCancellation()
        let response = try await api.push(body: envelope.body(batch.map(\.json)))
        try await handle(response, for: batch, envelope: envelope, into: &report)
    }

    /// Records the server's answer to one batch: acknowledges, sets aside, or splits on 413.
    private mutating func handle(_ response: TransportResponse, for batch: ArraySlice<Encoded>, envelope: Envelope,
                                 into report: inout SyncReport) async throws {
        report.pushRequests += 1
        if response.status == 413 {
            try await split(batch, response: response, envelope: envelope, into: &report)
            return
        }
        let request = TransportRequest(method: "POST", path: Route.push(workspace: api.workspace))
        guard (200..<300).contains(response.status) else { throw SyncError.from(response, request: request) }
        let answer = try SyncAPI.decode(PushResponse.self, from: response, request: request, WireCoding.decodePushResponse)
        guard answer.results.count == batch.count,
              answer.results.allSatisfy({ (0..<batch.count).contains($0.index) }),
              Set(answer.results.map(\.index)).count == batch.count
        else {
            throw SyncError(.invalidResponse, "the server answered a push of \(batch.count) records with \(answer.results.count) results that do not match them one to one; nothing was acknowledged, sync again")
        }
        var acknowledged: [PendingChange.Token] = []
        for result in answer.results {
            let change = batch[batch.startIndex + result.index].change
            switch result.status {
            case .accepted, .stale:
                acknowledged.append(change.token)
            case .merged:
                acknowledged.append(change.token)
                report.serverConflicts += result.conflicts ?? 0
            case .rejected where result.reason == RejectionReason.clockDrift:
                // The server's clock or this device's is wrong for now; the record stays queued and
                // is retried on the next sync instead of being set aside for good.
                report.rejected.append(SyncReport.Rejected(entity: change.token.entity, id: change.token.id,
                                                           reason: result.reason ?? "", message: result.message ?? ""))
            case .rejected:
                try await setAside(change, reason: result.reason ?? RejectionReason.invalidVersion,
                             message: result.message ?? "the server refused this record without saying why", into: &report)
            }
        }
        // Where the feed stood after this push, verified before the next pull (`PullRun.verifyPushes`).
        // Pipelined batches can be committed out of order, so an answer recorded later may carry an
        // earlier position; the check keeps the furthest one, or a restore that lost the later
        // commit would pass unnoticed. It is saved in the same transaction as the acknowledgements.
        if !acknowledged.isEmpty, furthestCheck.map({ $0.epoch != answer.cursor.epoch || $0.sequence < answer.cursor.sequence }) ?? true {
            furthestCheck = answer.cursor
        }
        let workspace = api.workspace, serverTime = response.serverDate, answered = acknowledged
        let check = acknowledged.isEmpty ? nil : furthestCheck?.description
        report.acknowledged += try await store.perform { store in
            try store.acknowledge(answered, serverTime: serverTime, workspace: workspace, pushCheck: check)
        }
        report.pushed += batch.count
        done += batch.count
        progress(SyncProgress(phase: .pushing, done: done, total: total))
    }

    /// Answers a 413: halves the batch, or sets a lone record aside since it can never fit.
    private mutating func split(_ batch: ArraySlice<Encoded>, response: TransportResponse, envelope: Envelope,
                                into report: inout SyncReport) async throws {
        let body = try? WireCoding.decoder().decode(ErrorResponse.self, from: response.body).error
        if let limit = body?.limit, limit > 0 { byteLimit = min(byteLimit, limit) }
        guard batch.count > 1 else {
            let change = batch[batch.startIndex].change
            let size = envelope.overhead + batch[batch.startIndex].json.count
            let limitText = body?.limit.map { " (the server's limit is \($0) bytes)" } ?? ""
            try await setAside(change, reason: "payload_too_large",
                         message: "this record is \(size) bytes encoded, too large for the server\(limitText); make it smaller, e.g. shorten long notes",
                         into: &report)
            report.pushed += 1
            done += 1
            progress(SyncProgress(phase: .pushing, done: done, total: total))
            return
        }
        // Re-batching under the limit the server named costs one refusal; halving blindly would
        // cost one per level. Halve only when that makes no progress (the server counts differently).
        var pieces: [ArraySlice<Encoded>] = []
        var start = batch.startIndex
        while start < batch.endIndex {
            let end = batchEnd(batch, from: start, envelope: envelope)
            pieces.append(batch[start..<end])
            start = end
        }
        if pieces.count < 2 {
            let middle = batch.startIndex + batch.count / 2
            pieces = [batch[batch.startIndex..<middle], batch[middle..<batch.endIndex]]
        }
        for piece in pieces { try await send(piece, envelope: envelope, into: &report) }
    }

    private func setAside(_ change: PendingChange, reason: String, message: String, into report: inout SyncReport) async throws {
        try await store.perform { try $0.setAside(change.token, reason: reason, message: message) }
        report.rejected.append(SyncReport.Rejected(entity: change.token.entity, id: change.token.id, reason: reason, message: message))
    }
}

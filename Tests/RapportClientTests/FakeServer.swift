import Foundation
import RapportClient
import RapportMerge
import RapportProtocol
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An in-memory Rapport server behind the `Transport` protocol: merges pushes with
/// `RapportMerge.merge` under a per-workspace sequence, serves the change feed in pages, and can be
/// told to misbehave (drop requests, answer 5xx, refuse large bodies, change its epoch).
final class FakeServer: Transport, @unchecked Sendable {
    /// Something to do to the next request(s) of a kind instead of (or after) serving them.
    enum Fault {
        /// Throw this URL error without the server seeing the request.
        case drop(URLError.Code)
        /// Serve the request, then lose the answer: the server has it, the client does not know.
        case loseAnswer
        /// Answer with this status and error body.
        case answer(Int, ErrorCode?, String)
    }

    enum Kind { case push, changes, any }

    private struct Entry {
        var version: RecordVersion
        var sequence: Int64
    }

    // Guards every stored property below; the fake is called from concurrent test tasks.
    private let lock = NSLock()
    private var records: [String: Entry] = [:]
    private var sequence: Int64 = 0
    private var faults: [(kind: Kind, fault: Fault, skip: Int)] = []
    private(set) var epoch = "epoch-1"
    /// Bodies larger than this get 413 with the limit.
    var maxBodyBytes: Int? {
        get { locked { storedMaxBodyBytes } }
        set { locked { storedMaxBodyBytes = newValue } }
    }
    private var storedMaxBodyBytes: Int?
    /// Record ids whose pushes are rejected with `invalid_value`.
    private var rejectedIDs: Set<String> = []
    private var log: [TransportRequest] = []
    /// Called after each push is merged, outside the lock: lets a test write locally mid-sync.
    private var afterPush: (@Sendable () -> Void)?

    private func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: test controls

    /// Queues `fault` for the next `times` requests of `kind`, after letting `after` of them through.
    func inject(_ fault: Fault, on kind: Kind = .any, times: Int = 1, after: Int = 0) {
        locked {
            faults.append((kind, fault, after))
            faults += Array(repeating: (kind, fault, 0), count: times - 1)
        }
    }

    func reject(id: String) { locked { _ = rejectedIDs.insert(id) } }

    /// Refuses pushes of `id` with `clock_drift`, as a server does a stamp too far ahead of its clock.
    func refuseForNow(id: String) { locked { _ = driftingIDs.insert(id) } }
    private var driftingIDs: Set<String> = []

    func onPush(_ body: @escaping @Sendable () -> Void) { locked { afterPush = body } }

    /// Replaces the database with an empty one under a new epoch, like a restore from an old backup.
    func replaceDatabase() {
        locked {
            records = [:]
            sequence = 0
            epoch = "epoch-\(UUID().uuidString.prefix(8))"
        }
    }

    var requests: [TransportRequest] { locked { log } }
    var pushRequests: [TransportRequest] { requests.filter { $0.method == "POST" } }
    var changesRequests: [TransportRequest] { requests.filter { $0.method == "GET" } }

    /// Every stored version, ordered by entity and id like `Store.allVersions()`.
    var allVersions: [RecordVersion] {
        locked { records.values.map(\.version).sorted { ($0.entity, $0.id) < ($1.entity, $1.id) } }
    }

    // MARK: Transport

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let kind: Kind = request.method == "POST" ? .push : .changes
        let fault: Fault? = locked {
            log.append(request)
            guard let index = faults.firstIndex(where: { $0.kind == .any || $0.kind == kind }) else { return nil }
            if faults[index].skip > 0 {
                faults[index].skip -= 1
                return nil
            }
            return faults.remove(at: index).fault
        }
        switch fault {
        case .drop(let code)?:
            throw URLError(code)
        case .answer(let status, let code, let message)?:
            return Self.error(status: status, ErrorBody(code: code?.rawValue ?? "server_error", message: message))
        case .loseAnswer?:
            _ = serve(request, kind: kind)
            throw URLError(.networkConnectionLost)
        case nil:
            return serve(request, kind: kind)
        }
    }

    private func serve(_ request: TransportRequest, kind: Kind) -> TransportResponse {
        do {
            switch kind {
            case .push:
                let response = try push(request)
                locked { afterPush }?()
                return response
            default:
                return try changes(request)
            }
        } catch {
            return Self.error(status: error.code.httpStatus, error.response.error)
        }
    }

    private func push(_ request: TransportRequest) throws(ProtocolError) -> TransportResponse {
        let body = request.body ?? Data()
        if let limit = maxBodyBytes, body.count > limit { throw ProtocolError.payloadTooLarge(limit: limit) }
        let push = try WireCoding.decode(PushRequest.self, from: body)
        try ProtocolVersion.require(push.protocolVersion)
        return locked {
            var results: [PushResult] = []
            for (index, version) in push.versions.enumerated() {
                if driftingIDs.contains(version.id) {
                    results.append(.rejected(index: index, entity: version.entity, id: version.id,
                                             reason: RejectionReason.clockDrift, message: "the fake says \(version.id) is from the future"))
                    continue
                }
                if rejectedIDs.contains(version.id) {
                    results.append(.rejected(index: index, entity: version.entity, id: version.id,
                                             reason: RejectionReason.invalidValue, message: "the fake refuses \(version.id)"))
                    continue
                }
                let key = "\(version.entity)/\(version.id)"
                guard let existing = records[key] else {
                    sequence += 1
                    records[key] = Entry(version: version, sequence: sequence)
                    results.append(PushResult(index: index, entity: version.entity, id: version.id, status: .accepted, sequence: sequence))
                    continue
                }
                let merged = merge(existing.version, version)
                if merged == existing.version {
                    results.append(PushResult(index: index, entity: version.entity, id: version.id, status: .stale, sequence: existing.sequence))
                    continue
                }
                let found = conflicts(between: existing.version, and: version).count
                sequence += 1
                records[key] = Entry(version: merged, sequence: sequence)
                results.append(PushResult(index: index, entity: version.entity, id: version.id,
                                          status: found > 0 ? .merged : .accepted, sequence: sequence,
                                          conflicts: found > 0 ? found : nil))
            }
            let cursor = try! SyncCursor(epoch: epoch, sequence: sequence)
            return Self.json(PushResponse(results: results, cursor: cursor))
        }
    }

    private func changes(_ request: TransportRequest) throws(ProtocolError) -> TransportResponse {
        var items: [String: String] = [:]
        for item in request.query { items[item.name] = item.value ?? "" }
        let query = try ChangesQuery(queryItems: items)
        return try locked { () throws(ProtocolError) -> TransportResponse in
            try query.since.requireEpoch(epoch)
            let after = records.values.filter { $0.sequence > query.since.sequence }.sorted { $0.sequence < $1.sequence }
            let page = after.prefix(query.limit)
            let last = page.last?.sequence ?? max(query.since.sequence, 0)
            let response = ChangesResponse(
                epoch: epoch, changes: page.map { Change(sequence: $0.sequence, version: $0.version) },
                nextCursor: try SyncCursor(epoch: epoch, sequence: last), hasMore: after.count > page.count)
            return Self.json(response)
        }
    }

    private static func json<T: Encodable>(_ value: T) -> TransportResponse {
        TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: try! WireCoding.encoder().encode(value))
    }

    private static func error(status: Int, _ body: ErrorBody) -> TransportResponse {
        TransportResponse(status: status, headers: ["Content-Type": "application/json"],
                          body: try! WireCoding.encoder().encode(ErrorResponse(error: body)))
    }
}

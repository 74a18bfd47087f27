import Foundation
import RapportClient
import RapportMerge
import RapportProtocol
import RapportServerCore
import RapportSimulation
import RapportStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real server core behind the `Transport` protocol: `SyncService` over a SQLite `ServerStore`
/// in a temporary folder, reached through `InProcessTransport`, with the powers a test needs
/// wrapped around it.
///
/// Every answer that is not an injected fault comes from the real service: merges, sequences,
/// cursors, epochs, per-record results and the 413 of the body limit. The wrapper only decides
/// whether a request reaches the service (faults), looks at what passed (the request log, the push
/// hook) and, for `reject(id:)` and `refuseForNow(id:)`, spoils the named records in transit so
/// that the service itself refuses them.
final class TestServer: Transport, @unchecked Sendable {
    /// Something to do to the next request(s) of a kind instead of (or after) serving them.
    enum Fault {
        /// Throw this URL error without the server seeing the request.
        case drop(URLError.Code)
        /// Serve the request, then lose the answer: the server has it, the client does not know.
        case loseAnswer
        /// Answer with this status and error body instead of the server.
        case answer(Int, ErrorCode?, String)
    }

    enum Kind { case push, changes, any }

    /// The workspace the server holds, the one `session(_:_:)` syncs by default.
    static let workspace = "team"

    private let directory: URL
    private let tokenID: String
    private let secret: String

    // Guards every stored property below; the server is called from concurrent test tasks.
    private let lock = NSLock()
    private var store: ServerStore
    private var databases = 0
    private var faults: [(kind: Kind, fault: Fault, skip: Int)] = []
    private var storedMaxBodyBytes: Int?
    private var invalidIDs: Set<String> = []
    private var driftingIDs: Set<String> = []
    private var log: [TransportRequest] = []
    private var afterPush: (@Sendable () -> Void)?

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("TestServer-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        (tokenID, secret) = TokenSecrets.generate()
        store = try Self.openDatabase(directory.appendingPathComponent("server-0.db").path, tokenID: tokenID, secret: secret)
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A new server database holding the workspace and a token for it.
    private static func openDatabase(_ path: String, tokenID: String, secret: String) throws -> ServerStore {
        let store = try ServerStore.open(at: path, create: true)
        _ = try store.addWorkspace(workspace)
        _ = try store.addToken(id: tokenID, workspace: workspace, label: "tests", secretHash: TokenSecrets.hash(secret))
        return store
    }

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

    /// Makes pushes of `id` genuinely invalid, so the service refuses them with `invalid_value`.
    ///
    /// The pushed version's first field (by name) is given a boolean, which no field kind accepts;
    /// the service's own schema check refuses it, with its own message, at its own index.
    func reject(id: String) { locked { _ = invalidIDs.insert(id) } }

    /// Makes pushes of `id` genuinely too far ahead of the server's clock, so the service refuses
    /// them with `clock_drift` (a refusal for now: the client keeps the record queued).
    ///
    /// The pushed version's `deleted` stamp is moved 30 days past the server's wall time; one stamp
    /// is enough, as the service checks the version's newest. Moving the server's clock instead
    /// (`SyncService.push(now:)`) would refuse every record of the push, not the named ones.
    func refuseForNow(id: String) { locked { _ = driftingIDs.insert(id) } }

    /// Called after each push the service answered, outside the lock: lets a test write locally mid-sync.
    func onPush(_ body: @escaping @Sendable () -> Void) { locked { afterPush = body } }

    /// Bodies larger than this get the service's 413 with the limit; nil is `InProcessTransport`'s default.
    var maxBodyBytes: Int? {
        get { locked { storedMaxBodyBytes } }
        set { locked { storedMaxBodyBytes = newValue } }
    }

    /// Replaces the database with a new, empty file (with the same workspace and token), like a
    /// restore from an old backup: the server's epoch changes and its feed starts again.
    func replaceDatabase() throws {
        try locked { () throws -> Void in
            databases += 1
            let next = try Self.openDatabase(directory.appendingPathComponent("server-\(databases).db").path, tokenID: tokenID, secret: secret)
            store.close()
            store = next
        }
    }

    /// The database requests go to now.
    private var current: ServerStore { locked { store } }

    /// Declares fields or an entity in the workspace's schema, as `rapport server schema add-field` does.
    func declare(_ addition: SchemaAddition) throws { try current.declare(addition, workspace: Self.workspace, now: Date()) }

    var epoch: String { current.epoch }

    /// The cursor the server hands out once a reader has read up to `sequence`, which must be in the feed.
    func cursor(at sequence: Int64) throws -> String {
        let page = try current.changes(workspace: Self.workspace, after: sequence - 1, limit: 1)
        guard page.entries.first?.sequence == sequence else {
            throw ProtocolError(.notFound, "sequence \(sequence) is not in the server's feed")
        }
        return try SyncService.cursor(page.next).description
    }

    var requests: [TransportRequest] { locked { log } }
    var pushRequests: [TransportRequest] { requests.filter { $0.method == "POST" } }
    var changesRequests: [TransportRequest] { requests.filter { $0.method == "GET" } }

    /// Every version the server's workspace holds, read from its feed, ordered by entity and id like
    /// `Store.allVersions()`. A database that cannot be read is a test failure.
    var allVersions: [RecordVersion] {
        let store = current
        do {
            var versions: [RecordVersion] = []
            var after: Int64 = 0
            while true {
                let page = try store.changes(workspace: Self.workspace, after: after, limit: 1_000)
                guard let last = page.entries.last else { break }
                versions += try page.entries.map { try WireCoding.decode(RecordVersion.self, from: Data($0.json.utf8)) }
                after = last.sequence
            }
            return versions.sorted { ($0.entity, $0.id) < ($1.entity, $1.id) }
        } catch {
            Issue.record(error, "the test server's feed could not be read")
            return []
        }
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
            let body = ErrorResponse(error: ErrorBody(code: code?.rawValue ?? "server_error", message: message))
            return TransportResponse(status: status, headers: ["Content-Type": "application/json"], body: try WireCoding.encoder().encode(body))
        case .loseAnswer?:
            _ = try await forward(request, kind: kind)
            throw URLError(.networkConnectionLost)
        case nil:
            return try await forward(request, kind: kind)
        }
    }

    /// Hands the request to the real service, through the transport every in-process client uses.
    private func forward(_ request: TransportRequest, kind: Kind) async throws -> TransportResponse {
        let (limit, invalid, drifting) = locked { (storedMaxBodyBytes, invalidIDs, driftingIDs) }
        let service = SyncService(storage: current)
        let transport = limit.map { InProcessTransport(service: service, token: secret, maxBodyBytes: $0) }
            ?? InProcessTransport(service: service, token: secret)
        guard kind == .push else { return try await transport.send(request) }
        let response = try await transport.send(Self.spoiling(request, invalid: invalid, drifting: drifting))
        locked { afterPush }?()
        return response
    }

    /// The push with the versions of `invalid` and `drifting` ids made unacceptable to the service,
    /// or the request as it came when it holds none (or is not a push body the wrapper can read,
    /// which the service then answers as such).
    ///
    /// The request log keeps the body the client sent. A spoiled body is re-encoded, so its size
    /// may differ a little from the original; the body limit is checked on what the service gets.
    private static func spoiling(_ request: TransportRequest, invalid: Set<String>, drifting: Set<String>) -> TransportRequest {
        guard !invalid.isEmpty || !drifting.isEmpty, request.headers["Content-Encoding"] == nil, let body = request.body,
              var push = try? WireCoding.decode(PushRequest.self, from: body),
              push.versions.contains(where: { invalid.contains($0.id) || drifting.contains($0.id) })
        else { return request }
        let future = HLCTimestamp(wallMillis: Int64((Date().timeIntervalSince1970 + 30 * 86_400) * 1000))
        push.versions = push.versions.map { version in
            var version = version
            if invalid.contains(version.id), let field = version.fields.keys.min() {
                version.fields[field]?.value = .bool(true)
            }
            if drifting.contains(version.id) {
                version.deleted.stamp = Stamp(hlc: future, replica: version.deleted.stamp.replica)
            }
            return version
        }
        var spoiled = request
        spoiled.body = try? WireCoding.encoder().encode(push)
        return spoiled.body == nil ? request : spoiled
    }
}

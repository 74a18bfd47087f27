import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// A server database with two workspaces and tokens for them: a SQLite file in a temporary
/// directory, or, with `RAPPORT_TEST_BACKEND=postgres`, a schema of its own in the PostgreSQL
/// database at `RAPPORT_TEST_POSTGRES` (the same suite runs against both backends; CI runs both).
///
/// `alpha` and `beta` each have a live token; `alpha` also has a revoked one. Every test gets its
/// own fixture, so tests run in parallel without sharing a feed.
final class ServerFixture: @unchecked Sendable {
    let directory: URL
    let store: any ServerDatabase
    let alphaSecret: String
    let betaSecret: String
    let revokedSecret: String
    let log = LogRecorder()

    init(maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes, maxWaitSeconds: Int = 30) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("RapportServerTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try TestBackend.current.open(directory: directory)
        try store.addWorkspace("alpha")
        try store.addWorkspace("beta")
        alphaSecret = try Self.issue(store, "alpha", "laptop")
        betaSecret = try Self.issue(store, "beta", "phone")
        revokedSecret = try Self.issue(store, "alpha", "lost phone")
        try store.revokeToken(id: TokenSecrets.parse(revokedSecret)!)
        configuration = ServerConfiguration(databasePath: directory.appendingPathComponent("server.db").path, port: 0,
                                            maxBodyBytes: maxBodyBytes, maxWaitSeconds: maxWaitSeconds)
    }

    let configuration: ServerConfiguration

    deinit {
        TestBackend.dispose(store)
        try? FileManager.default.removeItem(at: directory)
    }

    private static func issue(_ store: any ServerDatabase, _ workspace: String, _ label: String) throws -> String {
        let (id, secret) = TokenSecrets.generate()
        try store.addToken(id: id, workspace: workspace, label: label, secretHash: TokenSecrets.hash(secret))
        return secret
    }

    var logger: Logger {
        let recorder = log
        var logger = Logger(label: "rapport.test") { _ in RecordingLogHandler(recorder: recorder) }
        logger.logLevel = .debug
        return logger
    }

    /// Runs `body` against the server in-process (`.router`) or over real HTTP on a free port (`.live`).
    func withServer<T: Sendable>(_ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await buildApplication(store: store, configuration: configuration, logger: logger).test(setup, body)
    }
}

/// Which server backend the server tests run against (`RAPPORT_TEST_BACKEND`: `sqlite`, the
/// default, or `postgres`, which needs `RAPPORT_TEST_POSTGRES`; `scripts/postgres.sh` starts one).
enum TestBackend {
    case sqlite
    case postgres(url: String)

    static let current: TestBackend = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["RAPPORT_TEST_BACKEND"] == "postgres" else { return .sqlite }
        guard let url = environment["RAPPORT_TEST_POSTGRES"], !url.isEmpty else {
            fatalError("RAPPORT_TEST_BACKEND=postgres needs RAPPORT_TEST_POSTGRES=postgres://…; start one with: eval \"$(scripts/postgres.sh start)\"")
        }
        return .postgres(url: url)
    }()

    func open(directory: URL) throws -> any ServerDatabase {
        switch self {
        case .sqlite:
            return try ServerStore.open(at: directory.appendingPathComponent("server.db").path, create: true)
        case .postgres(let url):
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
            return try PostgresStore.open(url: url + (url.contains("?") ? "&" : "?") + "schema=\(schema)", maximumConnections: 2)
        }
    }

    /// Drops a PostgreSQL test schema (a SQLite file goes with its directory).
    static func dispose(_ store: any ServerDatabase) {
        if let store = store as? PostgresStore { try? store.dropSchema() }
    }
}

// MARK: record versions

enum Fixtures {
    static let laptop = try! ReplicaID("00000000000000a1")
    static let phone = try! ReplicaID("00000000000000b2")

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func account(_ id: String, name: String = "Acme", replica: ReplicaID = laptop, wall: Int64 = nowMillis()) -> RecordVersion {
        RecordVersion.create(entity: "account", id: id, fields: [
            "name": .string(name), "segment": .string("smb"), "arr": .number(1000), "renewalDate": .null, "owner": .string("kim"),
        ], stamp: Stamp(hlc: HLCTimestamp(wallMillis: wall), replica: replica))
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try WireCoding.encoder().encode(value), as: UTF8.self)
    }

    static func pushBody(_ versions: [RecordVersion]) throws -> ByteBuffer {
        ByteBuffer(bytes: try WireCoding.encoder().encode(PushRequest(replica: laptop, versions: versions)))
    }
}

// MARK: HTTP helpers

extension TestClientProtocol {
    func push(_ workspace: String, token: String?, body: ByteBuffer) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: Route.push(workspace: workspace), method: .post, headers: headers, body: body)
    }

    func push(_ workspace: String, token: String?, versions: [RecordVersion]) async throws -> TestResponse {
        try await push(workspace, token: token, body: Fixtures.pushBody(versions))
    }

    func changes(_ workspace: String, token: String?, query: String) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: Route.changes(workspace: workspace) + "?" + query, method: .get, headers: headers)
    }
}

extension TestResponse {
    var data: Data { Data(body.readableBytesView) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try WireCoding.decoder().decode(type, from: data) }

    /// The protocol error in the body, checked to travel with the status of its code.
    func error() throws -> ErrorBody {
        let body = try decode(ErrorResponse.self).error
        #expect(Int(status.code) == ErrorCode(rawValue: body.code)?.httpStatus ?? Int(status.code))
        #expect(headers[.contentType]?.hasPrefix("application/json") == true)
        return body
    }

    /// Writes the body to `$RAPPORT_RESPONSE_DUMP/<name>` so CI can validate real responses against
    /// the schemas (`scripts/validate_schemas.py --responses DIR`); does nothing when it is unset.
    func dump(as name: String) {
        agreesAcrossCodecs(name)
        guard let directory = ProcessInfo.processInfo.environment["RAPPORT_RESPONSE_DUMP"], !directory.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
}

extension TestResponse {
    /// Every sync answer a test keeps as a sample is read both by the byte-level codec and by the
    /// `Codable` path, and both must read the same value (issue 11's differential proof on real
    /// server output, not only on hand-made examples).
    func agreesAcrossCodecs(_ name: String) {
        do {
            if name.hasPrefix("push-response") {
                #expect(try WireCoding.decodePushResponse(data) == decode(PushResponse.self), "\(name): the codec and Codable read it differently")
            } else if name.hasPrefix("changes-response") {
                #expect(try WireCoding.decodeChanges(data) == decode(ChangesResponse.self), "\(name): the codec and Codable read it differently")
            }
        } catch {
            Issue.record("\(name) could not be read: \(error)")
        }
    }
}

// MARK: logging

/// Keeps every log line of a test in memory, so tests can check what the server logs (and what it must not).
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    func append(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        entries.append(line)
    }

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
}

/// A swift-log handler writing into a `LogRecorder`: message plus every metadata pair.
struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.append("\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}

// MARK: stored state

/// Everything the server keeps that a request could change: every workspace's whole feed (with
/// its settled conflicts and newest sequence), the workspace list and the token list.
///
/// Equal before and after a request means the request changed nothing, byte for byte.
struct StoredState: Equatable {
    let feeds: [String: ChangeFeedPage]
    let workspaces: [WorkspaceInfo]
    let tokens: [TokenInfo]
}

extension ServerFixture {
    func storedState() throws -> StoredState {
        let workspaces = try store.workspaces()
        var feeds: [String: ChangeFeedPage] = [:]
        for workspace in workspaces {
            feeds[workspace.name] = try store.changes(workspace: workspace.name, after: 0, limit: .max)
        }
        return StoredState(feeds: feeds, workspaces: workspaces, tokens: try store.tokens())
    }

    /// A fresh live token for `workspace`, issued while the server may be running.
    func issueToken(_ workspace: String, _ label: String = "test") throws -> String {
        let (id, secret) = TokenSecrets.generate()
        try store.addToken(id: id, workspace: workspace, label: label, secretHash: TokenSecrets.hash(secret))
        return secret
    }
}

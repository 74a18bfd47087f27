import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RapportClient
import RapportServer
import RapportStore

/// The production transports, for suites that run the same tests over each.
enum TransportKind: String, CaseIterable, Sendable {
    case urlSession, socket
}

/// The real sync server running in-process on a free loopback port, with one workspace and a
/// token for it, for the duration of `run`.
struct LiveServer: Sendable {
    static let workspace = "team"

    let baseURL: URL
    let secret: String
    let store: ServerStore
    /// The transport `transport()` makes unless told otherwise.
    var kind = TransportKind.urlSession

    /// A transport to this server.
    ///
    /// The timeout is a minute: the in-process server shares the machine with the whole suite, and
    /// on a loaded machine an answer took over 10 s (seen here, with builds running beside it).
    /// A minute still ends a test whose server hangs.
    func transport(token: String? = nil, kind: TransportKind? = nil) -> any Transport {
        switch kind ?? self.kind {
        case .urlSession: URLSessionTransport(baseURL: baseURL, token: token ?? secret, timeout: 60)
        case .socket: SocketTransport(baseURL: baseURL, token: token ?? secret, timeout: 60)
        }
    }

    /// Starts the server in `directory`, runs `body`, and shuts the server down however `body` ends.
    static func run<T: Sendable>(in directory: URL, transport kind: TransportKind = .urlSession,
                                 _ body: @Sendable (LiveServer) async throws -> T) async throws -> T {
        let (store, secret) = try makeStore(at: directory.appendingPathComponent("server.db").path)
        return try await run(store: store, secret: secret, transport: kind, body)
    }

    /// A new server database at `path` with the workspace and a token for it.
    static func makeStore(at path: String) throws -> (ServerStore, secret: String) {
        let store = try ServerStore.open(at: path, create: true)
        try store.addWorkspace(workspace)
        let (id, secret) = TokenSecrets.generate()
        _ = try store.addToken(id: id, workspace: workspace, label: "tests", secretHash: TokenSecrets.hash(secret))
        return (store, secret)
    }

    /// Serves an existing database (whose workspace `secret` grants) for the duration of `body`.
    ///
    /// The server runs through HummingbirdTesting's live framework, which ends it with a graceful
    /// shutdown. Cancelling the serving task instead (as this did before) can trap in SwiftNIO
    /// ("Deinited NIOAsyncWriter without calling finish()", apple/swift-nio#3481) when a connection
    /// is accepted just as the server stops; it crashed a CI run.
    static func run<T: Sendable>(store: ServerStore, secret: String, transport kind: TransportKind = .urlSession,
                                 _ body: @Sendable (LiveServer) async throws -> T) async throws -> T {
        let configuration = ServerConfiguration(databasePath: store.path, port: 0)
        // The test framework binds "localhost" on a port the kernel chooses; the running channel
        // says which address and port it got.
        let (addresses, addressSink) = AsyncStream.makeStream(of: (host: String, port: Int, isIPv6: Bool).self)
        let application = Application(
            router: buildRouter(store: store, configuration: configuration),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "rapport-test"),
            onServerRunning: { channel in
                if let address = channel.localAddress, let host = address.ipAddress, let port = address.port {
                    addressSink.yield((host, port, host.contains(":")))
                }
                addressSink.finish()
            },
            logger: Logger(label: "rapport.client-tests") { _ in SwiftLogNoOpLogHandler() })
        return try await application.test(.live) { _ in
            var iterator = addresses.makeAsyncIterator()
            guard let address = await iterator.next() else { throw SyncError(.unreachable, "the test server did not start") }
            let host = address.isIPv6 ? "[\(address.host)]" : address.host
            let server = LiveServer(baseURL: URL(string: "http://\(host):\(address.port)")!, secret: secret, store: store, kind: kind)
            return try await body(server)
        }
    }
}

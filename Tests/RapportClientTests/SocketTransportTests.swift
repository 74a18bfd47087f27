import Foundation
import RapportClient
import RapportModel
import RapportProtocol
import RapportStore
import Testing

/// `SocketTransport` against the real server over loopback, and against scripted sockets for what
/// the real server never does: chunks, silence, garbage, connections closed between requests.
@Suite struct SocketTransportTests {
    let replicas: Replicas

    init() throws { replicas = try Replicas("SocketTransportTests") }

    private func transport(_ url: URL, timeout: TimeInterval = 5) -> SocketTransport {
        SocketTransport(baseURL: url, token: "secret-token", timeout: timeout)
    }

    private func get(_ transport: SocketTransport, _ path: String = "/health") async throws -> TransportResponse {
        try await transport.send(TransportRequest(method: "GET", path: path))
    }

    // MARK: the real server

    @Test(arguments: [true, false])
    func aFullSyncPushesAndPullsEveryPageWithGzipOnOrOff(compression: Bool) async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            try a.accounts.createAll(accounts(450))
            var options = SyncOptions(maxBatchCount: 100, pageSize: 100, retry: quickRetry)
            options.compression = compression
            let pushed = try await SyncSession(store: a, transport: server.transport(kind: .socket), workspace: LiveServer.workspace, options: options).sync()
            let pulled = try await SyncSession(store: b, transport: server.transport(kind: .socket), workspace: LiveServer.workspace, options: options).sync()
            #expect(pushed.acknowledged == 450 && pushed.pushRequests == 5)
            #expect(pulled.inserted == 450 && pulled.pages >= 5)
            #expect(try b.allVersions() == (try a.allVersions()))
        }
    }

    @Test func aGzippedAnswerIsReturnedAsItCameForTheSyncToInflate() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let a = try replicas.make("a")
            try a.accounts.createAll(accounts(200))
            _ = try await SyncSession(store: a, transport: server.transport(kind: .socket), workspace: LiveServer.workspace,
                                      options: SyncOptions(retry: quickRetry)).sync()
            let response = try await server.transport(kind: .socket).send(TransportRequest(
                method: "GET", path: Route.changes(workspace: LiveServer.workspace), query: changesQuery(ChangesQuery()),
                headers: ["Accept-Encoding": "gzip"]))
            #expect(response.status == 200)
            #expect(response.header("Content-Encoding") == "gzip")
            #expect(response.body.starts(with: [0x1f, 0x8b]))
            let page = try WireCoding.decodeChanges(try Gzip.decompress(response.body, limit: 1 << 24))
            #expect(page.changes.count == 200)
        }
    }

    @Test func aTaskCancelledDuringALongPollStopsWaitingAtOnce() async throws {
        try await LiveServer.run(in: replicas.directory) { server in
            let transport = server.transport(kind: .socket)
            let request = TransportRequest(method: "GET", path: Route.changes(workspace: LiveServer.workspace),
                                           query: changesQuery(ChangesQuery(wait: 30)), timeout: 30)
            let polling = Task { try await transport.send(request) }
            try await Task.sleep(nanoseconds: 500_000_000)
            let cancelledAt = ContinuousClock.now
            polling.cancel()
            let outcome = await polling.result
            let took = ContinuousClock.now - cancelledAt
            // Far below the 30 s poll; the margin is for a CPU-starved parallel suite.
            #expect(took < .seconds(3), "cancellation took \(took)")
            #expect(outcome.failureCode == .cancelled)
        }
    }

    @Test func aCancelledRequestLetsGoOfItsConnectionAtOnce() async throws {
        // The task returning is not enough: the thread blocked in poll() must stop and close the socket.
        let closedAt = Locked<ContinuousClock.Instant?>(nil)
        let server = try RawHTTPServer { connection in
            connection.readRequest()
            connection.readUntilClosed()
            closedAt.value = .now
        }
        defer { server.stop() }
        let transport = transport(server.url, timeout: 30)
        let waiting = Task { try await get(transport) }
        while server.requests == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        let cancelledAt = ContinuousClock.now
        waiting.cancel()
        #expect(await waiting.result.failureCode == .cancelled)
        for _ in 0..<100 where closedAt.value == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        let closed = try #require(closedAt.value, "the connection stayed open after the cancellation")
        #expect(closed - cancelledAt < .seconds(2))
    }

    // MARK: connections

    @Test func requestsOneAfterAnotherShareOneKeptAliveConnection() async throws {
        let server = try RawHTTPServer { connection in
            while connection.readRequest() != nil { connection.answer("ok") }
        }
        defer { server.stop() }
        let transport = transport(server.url)
        for _ in 0..<5 {
            let response = try await get(transport)
            #expect(response.status == 200 && response.body == Data("ok".utf8))
        }
        #expect(server.requests == 5)
        #expect(server.accepted == 1)
    }

    @Test func aConnectionTheServerClosedAfterAnsweringIsReplacedByANewOne() async throws {
        let server = try RawHTTPServer { connection in
            connection.readRequest()
            connection.answer("ok")
        }
        defer { server.stop() }
        let transport = transport(server.url)
        _ = try await get(transport)
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(try await get(transport).status == 200)
        #expect(server.accepted == 2)
    }

    @Test func aRequestOnAKeptAliveConnectionClosedUnansweredIsSentOnceMoreOnANewOne() async throws {
        // The race a client meets when a server times out an idle connection just as a request goes.
        let server = try RawHTTPServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.answer("first")
            connection.readRequest()
        }
        defer { server.stop() }
        let transport = transport(server.url)
        #expect(try await get(transport).body == Data("first".utf8))
        #expect(try await get(transport).body == Data("first".utf8))
        #expect(server.accepted == 2 && server.requests == 3)
    }

    @Test func aNewConnectionClosedUnansweredIsUnreachableWithoutASecondTry() async throws {
        let server = try RawHTTPServer { $0.readRequest() }
        defer { server.stop() }
        let error = await #expect(throws: SyncError.self) { try await get(transport(server.url)) }
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains("\(server.url.absoluteString)/health") == true)
        #expect(server.accepted == 1 && server.requests == 1)
    }

    @Test func anAnswerCutShortIsUnreachableAndNotSentAgain() async throws {
        let server = try RawHTTPServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.answer("first")
            connection.readRequest()
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        }
        defer { server.stop() }
        let transport = transport(server.url)
        _ = try await get(transport)
        let error = await #expect(throws: SyncError.self) { try await get(transport) }
        #expect(error?.code == .unreachable)
        #expect(server.accepted == 1 && server.requests == 2)
    }

    @Test func aServerThatIsNotRunningIsReportedUnreachableWithTheURLAndWhatToCheck() async throws {
        let error = await #expect(throws: SyncError.self) {
            try await transport(URL(string: "http://127.0.0.1:1")!).send(TransportRequest(method: "GET", path: "/health", query: [URLQueryItem(name: "since", value: "x")]))
        }
        #expect(error?.code == .unreachable)
        #expect(error?.message == "cannot connect to http://127.0.0.1:1/health; check that the server is running and the URL's port")
    }

    @Test func aServerThatNeverAnswersIsUnreachableAfterTheTimeout() async throws {
        let server = try RawHTTPServer { connection in
            connection.readRequest()
            connection.readUntilClosed()
        }
        defer { server.stop() }
        let start = ContinuousClock.now
        let error = await #expect(throws: SyncError.self) { try await get(transport(server.url, timeout: 1)) }
        let took = ContinuousClock.now - start
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains("did not answer in time") == true)
        // The message tells the timeout from the scripted server's own read limit; the duration
        // has no upper bound here because a parallel suite can starve this task of CPU.
        #expect(took >= .milliseconds(900), "gave up after \(took)")
    }

    @Test func anHTTPSURLIsRefusedWithTheTransportToUseInstead() async throws {
        let error = await #expect(throws: SyncError.self) { try await get(transport(URL(string: "https://sync.example.com")!)) }
        #expect(error?.message.contains("URLSessionTransport") == true)
    }

    @Test func theFactoryPicksSocketsForHTTPAndURLSessionForHTTPS() {
        #expect(makeTransport(server: URL(string: "http://127.0.0.1:8080")!, token: nil) is SocketTransport)
        #expect(makeTransport(server: URL(string: "https://sync.example.com")!, token: nil) is URLSessionTransport)
    }

    // MARK: answers

    @Test func aChunkedAnswerIsJoinedAndItsConnectionKept() async throws {
        let server = try RawHTTPServer { connection in
            while connection.readRequest() != nil {
                connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                Thread.sleep(forTimeInterval: 0.02)
                connection.write("1;ext=1\r\n,\r\n6\r\n world\r\n")
                Thread.sleep(forTimeInterval: 0.02)
                connection.write("0\r\nX-Trailer: yes\r\n\r\n")
            }
        }
        defer { server.stop() }
        let transport = transport(server.url)
        #expect(try await get(transport).body == Data("hello, world".utf8))
        #expect(try await get(transport).body == Data("hello, world".utf8))
        #expect(server.accepted == 1)
    }

    @Test func errorStatusesAndTheirHeadersAreReturnedAsAnswers() async throws {
        let server = try RawHTTPServer { connection in
            connection.readRequest()
            connection.answer(#"{"error":{"code":"unauthorized","message":"no"}}"#, status: "401 Unauthorized", headers: "Retry-After: 3\r\n")
        }
        defer { server.stop() }
        let response = try await get(transport(server.url))
        #expect(response.status == 401 && response.header("retry-after") == "3")
    }

    static let malformed: [String: String] = [
        "garbage status line": "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        "oversized headers": "HTTP/1.1 200 OK\r\nX-Big: \(String(repeating: "a", count: 80_000))\r\n\r\n",
        "header without a colon": "HTTP/1.1 200 OK\r\nnot a header\r\nContent-Length: 0\r\n\r\n",
        "bad chunk size": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "two lengths": "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    ]

    @Test(arguments: malformed.keys.sorted())
    func aMalformedAnswerIsAnInvalidResponseNamingTheURL(_ kind: String) async throws {
        let answer = try #require(Self.malformed[kind])
        let server = try RawHTTPServer { connection in
            connection.readRequest()
            connection.write(answer)
            connection.readUntilClosed()
        }
        defer { server.stop() }
        let error = await #expect(throws: SyncError.self, "\(kind)") { try await get(transport(server.url, timeout: 2)) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.message.contains("\(server.url.absoluteString)/health sent an answer that is not HTTP/1.1") == true)
    }

    private func changesQuery(_ query: ChangesQuery) -> [URLQueryItem] {
        query.queryItems.map { URLQueryItem(name: $0.0, value: $0.1) }
    }
}

private extension Result {
    var failureCode: SyncError.Code? {
        if case .failure(let error) = self { return (error as? SyncError)?.code }
        return nil
    }
}

/// A value shared with a scripted server's thread.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

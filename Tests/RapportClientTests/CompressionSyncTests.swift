import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportProtocol
import RapportStore
import Testing

/// gzip as a client negotiates it with the real server over HTTP: pushes are gzipped once the
/// server has said it takes gzip, never when compression is off, and a server refusing it gets
/// plain bodies; every replica ends with the same records either way, over each production transport.
@Suite struct CompressionSyncTests {
    let replicas: Replicas

    init() throws { replicas = try Replicas("CompressionSyncTests") }

    /// Records every request's headers; with `refuseGzip`, answers a gzipped body 415 itself.
    final class Recording: Transport, @unchecked Sendable {
        let inner: any Transport
        let refuseGzip: Bool
        private let lock = NSLock()
        private var sent: [TransportRequest] = []

        init(_ inner: any Transport, refuseGzip: Bool = false) {
            self.inner = inner
            self.refuseGzip = refuseGzip
        }

        var requests: [TransportRequest] { lock.withLock { sent } }

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            lock.withLock { sent.append(request) }
            if refuseGzip, request.headers["Content-Encoding"] != nil {
                return TransportResponse(status: 415, headers: ["Content-Type": "application/json", "Accept-Encoding": "gzip"],
                                         body: Data(#"{"error":{"code":"unsupported_encoding","message":"no gzip here"}}"#.utf8))
            }
            return try await inner.send(request)
        }
    }

    private func accounts(_ store: Store, _ count: Int) throws {
        try store.batch { batch in
            for i in 0..<count {
                try batch.create(Account(id: "acct-\(i)", name: "Account \(i)", segment: "smb", arr: Double(i), owner: "kim"))
            }
        }
    }

    private func options(compression: Bool) -> SyncOptions {
        var options = SyncOptions(maxBatchCount: 50, pageSize: 50, retry: quickRetry)
        options.compression = compression
        return options
    }

    @Test(arguments: TransportKind.allCases)
    func pushesAreGzippedOnceTheServerSaysItTakesGzipAndEveryRecordArrives(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            try accounts(a, 400)
            let pushing = Recording(server.transport())
            let report = try await SyncSession(store: a, transport: pushing, workspace: LiveServer.workspace, options: options(compression: true)).sync()
            #expect(report.acknowledged == 400)
            let pushes = pushing.requests.filter { $0.method == "POST" }
            #expect(pushes.count == 8)
            // The first answer says the server takes gzip; pushes sent after it use it (up to three
            // are sent before the first answer is waited for: batches are pipelined).
            #expect(pushes.first?.headers["Content-Encoding"] == nil)
            #expect(pushes.dropFirst(3).allSatisfy { $0.headers["Content-Encoding"] == "gzip" })
            #expect(pushing.requests.allSatisfy { $0.headers["Accept-Encoding"] == "gzip" })

            _ = try await SyncSession(store: b, transport: server.transport(), workspace: LiveServer.workspace, options: options(compression: true)).sync()
            #expect(try b.allVersions() == (try a.allVersions()))
        }
    }

    @Test(arguments: TransportKind.allCases)
    func withCompressionOffNothingIsGzippedEitherWay(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let a = try replicas.make("a"), b = try replicas.make("b")
            try accounts(a, 120)
            let pushing = Recording(server.transport()), pulling = Recording(server.transport())
            _ = try await SyncSession(store: a, transport: pushing, workspace: LiveServer.workspace, options: options(compression: false)).sync()
            _ = try await SyncSession(store: b, transport: pulling, workspace: LiveServer.workspace, options: options(compression: false)).sync()
            for request in pushing.requests + pulling.requests {
                #expect(request.headers["Content-Encoding"] == nil)
                #expect(request.headers["Accept-Encoding"] == "identity")
            }
            #expect(try b.allVersions() == (try a.allVersions()))
        }
    }

    @Test(arguments: TransportKind.allCases)
    func aServerThatRefusesGzipGetsPlainBodiesAndTheSyncFinishes(over kind: TransportKind) async throws {
        try await LiveServer.run(in: replicas.directory, transport: kind) { server in
            let a = try replicas.make("a")
            try accounts(a, 400)
            let refusing = Recording(server.transport(), refuseGzip: true)
            var options = options(compression: true)
            options.maxBatchCount = 25
            let report = try await SyncSession(store: a, transport: refusing, workspace: LiveServer.workspace, options: options).sync()
            #expect(report.acknowledged == 400)
            #expect(try a.pendingChanges(limit: 10).isEmpty)
            // One gzipped attempt was refused; everything after it went plain, although every
            // answer (the 415 included) still says the server takes gzip.
            let gzipped = refusing.requests.filter { $0.headers["Content-Encoding"] != nil }
            #expect(gzipped.count == 1)
            #expect(try server.store.latestSequence(workspace: LiveServer.workspace) == 400)
        }
    }
}

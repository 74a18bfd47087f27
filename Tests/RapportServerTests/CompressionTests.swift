import Foundation
import Hummingbird
import HummingbirdTesting
import RapportMerge
import RapportProtocol
@testable import RapportServer
import Testing

/// `Content-Encoding: gzip` both ways: gzipped pushes are read like plain ones, pages are gzipped
/// only for a client that asks, and a body that is not what its encoding says is refused clearly.
@Suite struct CompressionTests {
    private static func headers(_ token: String, _ extra: HTTPFields = [:]) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token)"]
        for field in extra { headers.append(field) }
        return headers
    }

    private static func versions(_ count: Int) -> [RecordVersion] {
        (0..<count).map { Fixtures.account(String(format: "gz-%04d", $0), name: "Account \($0)") }
    }

    @Test func aGzippedPushIsStoredLikeAPlainOneAndTheAnswerSaysGzipIsTaken() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let body = try Fixtures.pushBody(Self.versions(50))
            let gzipped = try #require(Gzip.compress(Array(body.readableBytesView)))
            #expect(gzipped.count * 3 < body.readableBytes)
            let response = try await client.execute(uri: Route.push(workspace: "alpha"), method: .post,
                                                    headers: Self.headers(fixture.alphaSecret, [.contentEncoding: "gzip"]),
                                                    body: ByteBuffer(bytes: gzipped))
            #expect(response.status == .ok)
            #expect(response.headers[.acceptEncoding] == "gzip")
            let answer = try response.decode(PushResponse.self)
            #expect(answer.results.count == 50 && answer.results.allSatisfy { $0.status == .accepted })
        }
        #expect(try fixture.store.latestSequence(workspace: "alpha") == 50)
    }

    @Test func aPageIsGzippedOnlyForAClientThatAsks() async throws {
        let fixture = try ServerFixture()
        _ = try fixture.store.push(workspace: "alpha", versions: Self.versions(40))
        try await fixture.withServer { client in
            let uri = Route.changes(workspace: "alpha") + "?protocolVersion=1&limit=100"
            let plain = try await client.execute(uri: uri, method: .get, headers: Self.headers(fixture.alphaSecret))
            #expect(plain.headers[.contentEncoding] == nil)
            let page = try plain.decode(ChangesResponse.self)
            #expect(page.changes.count == 40)

            let zipped = try await client.execute(uri: uri, method: .get, headers: Self.headers(fixture.alphaSecret, [.acceptEncoding: "br, gzip;q=0.8"]))
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.headers[.vary] == "Accept-Encoding")
            #expect(zipped.body.readableBytes * 3 < plain.body.readableBytes)
            let inflated = try Gzip.decompress(zipped.data, limit: 1 << 24)
            #expect(try WireCoding.decoder().decode(ChangesResponse.self, from: inflated) == page)

            let refused = try await client.execute(uri: uri, method: .get, headers: Self.headers(fixture.alphaSecret, [.acceptEncoding: "gzip;q=0"]))
            #expect(refused.headers[.contentEncoding] == nil)
        }
    }

    @Test func aBodyThatIsNotTheGzipItClaimsIs400AndNothingIsStored() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let body = try Fixtures.pushBody(Self.versions(3))
            let response = try await client.execute(uri: Route.push(workspace: "alpha"), method: .post,
                                                    headers: Self.headers(fixture.alphaSecret, [.contentEncoding: "gzip"]), body: body)
            #expect(response.status == .badRequest)
            let error = try response.error()
            #expect(error.code == "invalid_request")
            #expect(error.message.contains("gzip"))

            var cut = try #require(Gzip.compress(Array(body.readableBytesView)))
            cut.removeLast(12)
            let truncated = try await client.execute(uri: Route.push(workspace: "alpha"), method: .post,
                                                     headers: Self.headers(fixture.alphaSecret, [.contentEncoding: "gzip"]), body: ByteBuffer(bytes: cut))
            #expect(truncated.status == .badRequest)
        }
        #expect(try fixture.store.latestSequence(workspace: "alpha") == 0)
    }

    @Test func anotherEncodingIs415NamingWhatTheServerTakes() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let response = try await client.execute(uri: Route.push(workspace: "alpha"), method: .post,
                                                    headers: Self.headers(fixture.alphaSecret, [.contentEncoding: "br"]),
                                                    body: try Fixtures.pushBody(Self.versions(1)))
            #expect(response.status == .unsupportedMediaType)
            #expect(try response.error().code == "unsupported_encoding")
            #expect(response.headers[.acceptEncoding] == "gzip")
            response.dump(as: "error-response-415.json")
        }
    }

    @Test func aSmallGzipBodyThatInflatesBeyondTheLimitIs413() async throws {
        let fixture = try ServerFixture(maxBodyBytes: 64 * 1024)
        try await fixture.withServer { client in
            // 4 MB of spaces (valid JSON whitespace) compress to a few kilobytes.
            let bomb = try #require(Gzip.compress([UInt8](repeating: 0x20, count: 4 << 20) + Array(#"{"protocolVersion":1,"versions":[]}"#.utf8)))
            #expect(bomb.count < 64 * 1024)
            let response = try await client.execute(uri: Route.push(workspace: "alpha"), method: .post,
                                                    headers: Self.headers(fixture.alphaSecret, [.contentEncoding: "gzip"]), body: ByteBuffer(bytes: bomb))
            #expect(response.status == .contentTooLarge)
            #expect(try response.error().limit == 64 * 1024)
        }
    }
}

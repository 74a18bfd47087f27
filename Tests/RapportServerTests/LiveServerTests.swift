import Foundation
import Hummingbird
import HummingbirdTesting
import RapportProtocol
@testable import RapportServer
import Testing

/// The server over real HTTP on a free loopback port.
@Suite struct LiveServerTests {
    @Test func aPushedRecordCanBePulledOverRealHTTP() async throws {
        let fixture = try ServerFixture()
        let version = Fixtures.account("live-1", name: "Initech")
        try await fixture.withServer(.live) { client in
            let pushed = try await client.push("alpha", token: fixture.alphaSecret, versions: [version])
            #expect(pushed.status == .ok)
            #expect(pushed.headers[.init("x-request-id")!] != nil)
            #expect(try pushed.decode(PushResponse.self).results.map(\.status) == [.accepted])

            let pulled = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1")
            let page = try pulled.decode(ChangesResponse.self)
            #expect(page.changes.map(\.version) == [version])
            #expect(!page.hasMore)

            let refused = try await client.changes("alpha", token: nil, query: "protocolVersion=1")
            #expect(refused.status == .unauthorized)
            #expect(try refused.error().code == "unauthorized")
        }
    }
}

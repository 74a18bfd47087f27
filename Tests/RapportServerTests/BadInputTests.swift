import Foundation
import Hummingbird
import HummingbirdTesting
import RapportProtocol
@testable import RapportServer
import Testing

/// Every kind of bad request gets its documented status and a JSON error body with a stable code;
/// nothing a client sends produces a 500.
@Suite struct BadInputTests {
    private static let emptyPush = #"{"protocolVersion": 1, "versions": []}"#

    /// Pushes `body` to alpha with alpha's token and checks the status and code.
    private func expectPush(_ body: String, status: HTTPResponse.Status, code: String, dumpAs name: String? = nil) async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: body))
            #expect(response.status == status)
            #expect(try response.error().code == code)
            if let name { response.dump(as: name) }
        }
    }

    // MARK: body

    @Test func malformedJSONIs400() async throws {
        try await expectPush(#"{"protocolVersion": 1, "versions": ["#, status: .badRequest, code: "malformed_json", dumpAs: "error-response-400.json")
    }

    @Test func anEmptyBodyIs400() async throws {
        try await expectPush("", status: .badRequest, code: "malformed_json")
    }

    @Test func wrongTypesAre422() async throws {
        try await expectPush(#"{"protocolVersion": 1, "versions": "all of them"}"#, status: .unprocessableContent, code: "unprocessable", dumpAs: "error-response-422.json")
        try await expectPush(#"{"protocolVersion": "1", "versions": []}"#, status: .unprocessableContent, code: "unprocessable")
        try await expectPush(#"[1, 2, 3]"#, status: .unprocessableContent, code: "unprocessable")
    }

    @Test func missingVersionsIs422() async throws {
        try await expectPush(#"{"protocolVersion": 1, "replica": "00000000000000a1"}"#, status: .unprocessableContent, code: "unprocessable")
        try await expectPush(#"{"versions": []}"#, status: .unprocessableContent, code: "unprocessable")
    }

    @Test func anUnsupportedProtocolVersionIs426WithTheSupportedOnes() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            // Refused before the rest is read, even though `versions` is nonsense for v1.
            let pushed = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: #"{"protocolVersion": 2, "versions": 7}"#))
            #expect(pushed.status == .upgradeRequired)
            #expect(try pushed.error().supportedVersions == [1])
            pushed.dump(as: "error-response-426.json")

            let pulled = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=9")
            #expect(pulled.status == .upgradeRequired)
            #expect(try pulled.error().supportedVersions == [1])
        }
    }

    @Test func anOversizedBodyIs413WithTheLimit() async throws {
        let fixture = try ServerFixture(maxBodyBytes: 4096)
        try await fixture.withServer { client in
            let versions = (0..<40).map { Fixtures.account("big-\($0)") }
            let response = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
            #expect(response.status == .contentTooLarge)
            let error = try response.error()
            #expect(error.code == "payload_too_large")
            #expect(error.limit == 4096)
            response.dump(as: "error-response-413.json")

            let small = try await client.push("alpha", token: fixture.alphaSecret, versions: [versions[0]])
            #expect(small.status == .ok)
        }
    }

    @Test func aHugeStringADeeplyNestedArrayAndInvalidUTF8AreRefusedWithoutA500() async throws {
        let fixture = try ServerFixture()
        let hugeID = String(repeating: "x", count: 2_000_000)
        var hugeVersion = try Fixtures.json(Fixtures.account("placeholder"))
        hugeVersion = hugeVersion.replacingOccurrences(of: "placeholder", with: hugeID)
        let bodies: [ByteBuffer] = [
            ByteBuffer(string: #"{"protocolVersion": 1, "replica": ""# + hugeID + #"", "versions": []}"#),
            ByteBuffer(string: #"{"protocolVersion": 1, "versions": ["# + hugeVersion + "]}"),
            ByteBuffer(string: #"{"protocolVersion": 1, "versions": "# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"),
            ByteBuffer(bytes: [0x7B, 0x22, 0x70, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]),
            ByteBuffer(string: String(repeating: "{\"a\":", count: 50_000)),
        ]
        try await fixture.withServer { client in
            for body in bodies {
                let response = try await client.push("alpha", token: fixture.alphaSecret, body: body)
                #expect(response.status.code < 500)
                if response.status == .ok {
                    // The huge id: a per-record rejection, not a stored record.
                    #expect(try response.decode(PushResponse.self).results.map(\.reason) == ["invalid_value"])
                } else {
                    #expect(try ["malformed_json", "unprocessable"].contains(response.error().code))
                }
            }
        }
    }

    // MARK: tokens and workspaces

    @Test func aMissingTokenIs401() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: nil, body: ByteBuffer(string: Self.emptyPush))
            #expect(response.status == .unauthorized)
            #expect(try response.error().code == "unauthorized")
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            response.dump(as: "error-response-401.json")

            let basic = try await client.execute(uri: Route.changes(workspace: "alpha") + "?protocolVersion=1", method: .get,
                                                 headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(basic.status == .unauthorized)
        }
    }

    @Test func anUnknownOrForgedTokenIs401() async throws {
        let fixture = try ServerFixture()
        let realID = try #require(TokenSecrets.parse(fixture.alphaSecret))
        let forged = "\(TokenSecrets.prefix)\(realID)_" + String(repeating: "0", count: 64)
        try await fixture.withServer { client in
            for token in ["nonsense", TokenSecrets.generate().secret, forged] {
                let response = try await client.push("alpha", token: token, body: ByteBuffer(string: Self.emptyPush))
                #expect(response.status == .unauthorized)
                let error = try response.error()
                #expect(error.code == "unauthorized")
                #expect(!error.message.contains("revoked"))
            }
        }
    }

    @Test func aRevokedTokenIs401SayingSo() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let response = try await client.changes("alpha", token: fixture.revokedSecret, query: "protocolVersion=1")
            #expect(response.status == .unauthorized)
            #expect(try response.error().message.contains("revoked"))
        }
    }

    @Test func aTokenOfAnotherWorkspaceIs403() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let pushed = try await client.push("beta", token: fixture.alphaSecret, body: ByteBuffer(string: Self.emptyPush))
            #expect(pushed.status == .forbidden)
            #expect(try pushed.error().code == "forbidden")
            pushed.dump(as: "error-response-403.json")
            let pulled = try await client.changes("alpha", token: fixture.betaSecret, query: "protocolVersion=1")
            #expect(pulled.status == .forbidden)
        }
    }

    @Test func anUnknownWorkspaceIs404() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            for workspace in ["gamma", "not a name"] {
                let response = try await client.push(workspace, token: fixture.alphaSecret, body: ByteBuffer(string: Self.emptyPush))
                #expect(response.status == .notFound)
                #expect(try response.error().code == "not_found")
            }
            let response = try await client.changes("gamma", token: fixture.alphaSecret, query: "protocolVersion=1")
            #expect(response.status == .notFound)
            response.dump(as: "error-response-404.json")
        }
    }

    // MARK: routes and queries

    @Test func anUnknownRouteIs404AndAWrongMethodIs405InJSON() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            for uri in ["/", "/v1/workspaces/alpha", "/v2/workspaces/alpha/push"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound)
                #expect(try response.error().code == "not_found")
            }
            let wrong = try await client.execute(uri: Route.push(workspace: "alpha"), method: .get)
            #expect(wrong.status == .methodNotAllowed)
            #expect(try wrong.error().code == "method_not_allowed")
            #expect(wrong.headers[.allow] == "POST")
            wrong.dump(as: "error-response-405.json")
            let deleted = try await client.execute(uri: "/health", method: .delete)
            #expect(deleted.status == .methodNotAllowed)
        }
    }

    @Test func badQueryParametersAre400() async throws {
        let fixture = try ServerFixture()
        let cases: [(String, String)] = [
            ("", "invalid_request"),
            ("protocolVersion=one", "invalid_request"),
            ("protocolVersion=1&limit=0", "invalid_request"),
            ("protocolVersion=1&limit=5000", "invalid_request"),
            ("protocolVersion=1&wait=-1", "invalid_request"),
            ("protocolVersion=1&since=garbage", "invalid_cursor"),
            ("protocolVersion=1&since=epoch:007", "invalid_cursor"),
        ]
        try await fixture.withServer { client in
            for (query, code) in cases {
                let response = try await client.changes("alpha", token: fixture.alphaSecret, query: query)
                #expect(response.status == .badRequest, "\(query)")
                #expect(try response.error().code == code, "\(query)")
            }
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// A token reaches exactly one workspace, on every endpoint and however the path is spelled; a
/// revoked token stops working on its next request; and the log at the default level never holds
/// a token, a note, a customer name or a record id.
@Suite struct IsolationTests {
    static let betaCustomer = "Beta Secret Holdings"
    static let betaRecord = "beta-deal-7731"

    /// A server where beta holds a record no other workspace's token may read or change.
    private static func fixture(maxWaitSeconds: Int = 30) throws -> ServerFixture {
        let fixture = try ServerFixture(maxWaitSeconds: maxWaitSeconds)
        _ = try fixture.store.push(workspace: "beta", versions: [Fixtures.account(betaRecord, name: betaCustomer)])
        _ = try fixture.store.push(workspace: "alpha", versions: [Fixtures.account("alpha-1", name: "Alpha Customer")])
        return fixture
    }

    private static func leaksBeta(_ response: TestResponse) -> Bool {
        let body = String(decoding: response.data, as: UTF8.self)
        return body.contains(betaCustomer) || body.contains(betaRecord)
    }

    // MARK: every endpoint, every wrong caller

    /// Everything the router answers besides `/health`.
    enum Endpoint: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case push, changes, longPoll, putOnPush, deleteOnChanges

        var testDescription: String { rawValue }

        func call(_ client: any TestClientProtocol, workspace: String, authorization: String?) async throws -> TestResponse {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let authorization { headers[.authorization] = authorization }
            let intruder = try Fixtures.pushBody([Fixtures.account("intruder", name: "Intruder Inc")])
            return switch self {
            case .push: try await client.execute(uri: Route.push(workspace: workspace), method: .post, headers: headers, body: intruder)
            case .changes: try await client.execute(uri: Route.changes(workspace: workspace) + "?protocolVersion=1", method: .get, headers: headers)
            case .longPoll: try await client.execute(uri: Route.changes(workspace: workspace) + "?protocolVersion=1&wait=30", method: .get, headers: headers)
            case .putOnPush: try await client.execute(uri: Route.push(workspace: workspace), method: .put, headers: headers, body: intruder)
            case .deleteOnChanges: try await client.execute(uri: Route.changes(workspace: workspace) + "?protocolVersion=1", method: .delete, headers: headers)
            }
        }
    }

    /// Someone who must not reach beta's data, and the workspace they aim at.
    enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case noToken, basicAuth, unknownToken, revokedToken, otherWorkspacesToken, unknownWorkspace, upperCaseWorkspace

        var testDescription: String { rawValue }

        /// The workspace, the Authorization header, and the refusal the protocol documents.
        func attempt(_ fixture: ServerFixture, revokedBetaSecret: String) -> (workspace: String, authorization: String?, status: HTTPResponse.Status, code: String) {
            switch self {
            case .noToken: ("beta", nil, .unauthorized, "unauthorized")
            case .basicAuth: ("beta", "Basic YmV0YTpiZXRh", .unauthorized, "unauthorized")
            case .unknownToken: ("beta", "Bearer " + TokenSecrets.generate().secret, .unauthorized, "unauthorized")
            case .revokedToken: ("beta", "Bearer " + revokedBetaSecret, .unauthorized, "unauthorized")
            case .otherWorkspacesToken: ("beta", "Bearer " + fixture.alphaSecret, .forbidden, "forbidden")
            case .unknownWorkspace: ("gamma", "Bearer " + fixture.alphaSecret, .notFound, "not_found")
            case .upperCaseWorkspace: ("BETA", "Bearer " + fixture.alphaSecret, .notFound, "not_found")
            }
        }
    }

    @Test(arguments: Endpoint.allCases, Caller.allCases)
    func everyEndpointRefusesEveryCallerButTheWorkspacesOwnLiveToken(_ endpoint: Endpoint, _ caller: Caller) async throws {
        let fixture = try Self.fixture()
        let revoked = try fixture.issueToken("beta", "stolen laptop")
        try fixture.store.revokeToken(id: try #require(TokenSecrets.parse(revoked)))
        let attempt = caller.attempt(fixture, revokedBetaSecret: revoked)
        let before = try fixture.storedState()
        try await fixture.withServer { client in
            let response = try await endpoint.call(client, workspace: attempt.workspace, authorization: attempt.authorization)
            switch endpoint {
            case .putOnPush, .deleteOnChanges:
                // The method is refused before the caller is looked at, so nobody learns more than the path's shape.
                #expect(response.status == .methodNotAllowed)
                #expect(try response.error().code == "method_not_allowed")
            case .push, .changes, .longPoll:
                #expect(response.status == attempt.status)
                #expect(try response.error().code == attempt.code)
            }
            // (No timing bound: with the whole suite in parallel on 2 cores, scheduling alone took over 15 s.)
            #expect(!Self.leaksBeta(response))
        }
        #expect(try fixture.storedState() == before)
    }

    @Test func theWorkspacesOwnTokenReachesItsData() async throws {
        // The counterpart of the refusals above: the same requests with beta's token do see beta.
        let fixture = try Self.fixture()
        try await fixture.withServer { client in
            let pulled = try await Endpoint.changes.call(client, workspace: "beta", authorization: "Bearer " + fixture.betaSecret)
            #expect(pulled.status == .ok)
            #expect(Self.leaksBeta(pulled))
            let pushed = try await Endpoint.push.call(client, workspace: "beta", authorization: "Bearer " + fixture.betaSecret)
            #expect(try pushed.decode(PushResponse.self).results.map(\.status) == [.accepted])
        }
    }

    @Test func healthShowsNoWorkspaceOrRecord() async throws {
        let fixture = try Self.fixture()
        try await fixture.withServer { client in
            let response = try await client.execute(uri: "/health", method: .get, headers: [.authorization: "Bearer " + fixture.alphaSecret])
            #expect(response.status == .ok)
            let body = String(decoding: response.data, as: UTF8.self)
            #expect(!Self.leaksBeta(response) && !body.contains("alpha") && !body.contains("beta"))
        }
    }

    // MARK: path tricks

    @Test(arguments: [
        "/v1/workspaces/alpha%2F..%2Fbeta/{op}",
        "/v1/workspaces/alpha%2f%2e%2e%2fbeta/{op}",
        "/v1/workspaces/..%2Fbeta/{op}",
        "/v1/workspaces/alpha/../beta/{op}",
        "/v1/workspaces/./beta/{op}",
        "/v1/workspaces/alpha/{op}/../../beta/{op}",
        "/v1/workspaces/BETA/{op}",
        "/v1/workspaces/Beta/{op}",
        "/v1/workspaces/%62eta/{op}",
        "/v1/workspaces/beta/{op}/",
        "//v1/workspaces/beta/{op}",
        "/v1/workspaces//beta/{op}",
        "/v1/workspaces/beta;alpha/{op}",
        "/v1/workspaces/alpha;beta/{op}",
        "/v1/workspaces/beta%00/{op}",
        "/v1/workspaces/alpha%00beta/{op}",
        "/v1/workspaces/beta%20/{op}",
        "/v1/workspaces/%20beta/{op}",
        "/v1/workspaces/beta/{op}?workspace=alpha&",
        "/v1/workspaces/beta/{op}#alpha",
    ])
    func aPathTrickWithAnotherWorkspacesTokenNeverReachesBeta(_ template: String) async throws {
        let fixture = try Self.fixture()
        let before = try fixture.storedState()
        try await fixture.withServer { client in
            for (op, method) in [("push", HTTPRequest.Method.post), ("changes", .get)] {
                var uri = template.replacingOccurrences(of: "{op}", with: op)
                if op == "changes" { uri += uri.contains("?") ? "protocolVersion=1" : "?protocolVersion=1" }
                let response = try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer " + fixture.alphaSecret, .contentType: "application/json"],
                    body: op == "push" ? try Fixtures.pushBody([Fixtures.account("intruder")]) : nil)
                // Forbidden (the path names beta) or not found (it names no workspace, or no endpoint).
                #expect([.forbidden, .notFound].contains(response.status), "\(uri)")
                #expect(try ["forbidden", "not_found"].contains(response.error().code), "\(uri)")
                #expect(!Self.leaksBeta(response), "\(uri)")
            }
        }
        #expect(try fixture.storedState() == before)
    }

    @Test func aLongPollOfOneWorkspaceReturnsNothingOfAnothersPush() async throws {
        let fixture = try Self.fixture(maxWaitSeconds: 2)
        try await fixture.withServer { client in
            let cursor = "\(fixture.store.epoch):1"
            async let waiting = client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&wait=2&since=\(cursor)")
            try await Task.sleep(for: .milliseconds(300))
            let pushed = try await client.push("beta", token: fixture.betaSecret, versions: [Fixtures.account("beta-late", name: Self.betaCustomer)])
            #expect(pushed.status == .ok)
            let response = try await waiting
            #expect(response.status == .ok)
            #expect(try response.decode(ChangesResponse.self).changes.isEmpty)
            #expect(!Self.leaksBeta(response))
        }
    }

    // MARK: revocation

    @Test func revokingATokenRefusesItsVeryNextRequestOnARunningServer() async throws {
        let fixture = try Self.fixture()
        let token = try fixture.issueToken("alpha", "phone")
        try await fixture.withServer(.live) { client in
            let allowed = try await client.changes("alpha", token: token, query: "protocolVersion=1")
            #expect(allowed.status == .ok)

            try fixture.store.revokeToken(id: try #require(TokenSecrets.parse(token)))
            let before = try fixture.storedState()

            let pulled = try await client.changes("alpha", token: token, query: "protocolVersion=1")
            #expect(pulled.status == .unauthorized)
            #expect(try pulled.error().message.contains("revoked"))
            let pushed = try await client.push("alpha", token: token, versions: [Fixtures.account("after-revocation")])
            #expect(pushed.status == .unauthorized)
            let polled = try await client.changes("alpha", token: token, query: "protocolVersion=1&wait=30")
            #expect(polled.status == .unauthorized)
            #expect(try fixture.storedState() == before)

            // Only that token: the workspace's other token still works.
            let other = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1")
            #expect(other.status == .ok)
        }
    }

    // MARK: logs

    @Test func theLogAtTheDefaultLevelHoldsNoTokenNoteCustomerNameOrRecordId() async throws {
        let fixture = try ServerFixture(maxBodyBytes: 8192)
        // The level `rapport serve` runs at unless told otherwise (`--log-level info`).
        #expect(fixture.configuration.logLevel == .info)
        let customer = "Quietly Confidential GmbH"
        let note = "CFO says they will churn after the March outage"
        let person = "Jane Whistleblower"
        let email = "jane@quietly-confidential.example"
        let ids = ["acct-quietly-9d1", "stk-jane-4c2", "asmt-march-7e5"]
        let stamp = Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis()), replica: Fixtures.laptop)
        let versions = [
            Fixtures.account(ids[0], name: customer),
            RecordVersion.create(entity: "stakeholder", id: ids[1], fields: [
                "accountID": .string(ids[0]), "name": .string(person), "role": .string("CFO"), "email": .string(email),
            ], stamp: stamp),
            RecordVersion.create(entity: "assessment", id: ids[2], fields: [
                "accountID": .string(ids[0]), "stakeholderID": .string(ids[1]), "assessedAt": .number(Double(Fixtures.nowMillis())),
                "trust": .string("low"), "respect": .string("high"), "note": .string(note),
            ], stamp: stamp),
        ]
        let version = try Fixtures.json(versions[0])
        let secrets = [customer, note, person, email] + ids
        try await fixture.withServer { client in
            let pushed = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
            #expect(try pushed.decode(PushResponse.self).results.map(\.status) == [.accepted, .accepted, .accepted])
            let pulled = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&limit=10")
            #expect(String(decoding: pulled.data, as: UTF8.self).contains(note))

            // Error paths, every one carrying the same private data.
            let refusals: [(String, String?, String, HTTPResponse.Status)] = [
                ("alpha", fixture.alphaSecret, #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": [\#(version)"#, .badRequest),
                ("alpha", fixture.alphaSecret, #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": {"\#(customer)": "\#(note)"}}"#, .unprocessableContent),
                ("alpha", fixture.alphaSecret, #"{"protocolVersion": 2, "replica": "00000000000000a1", "versions": [\#(version)]}"#, .upgradeRequired),
                ("alpha", fixture.alphaSecret, #"{"protocolVersion": 1, "versions": [\#(version)], "pad": ""# + String(repeating: note, count: 300) + #""}"#, .contentTooLarge),
                ("beta", fixture.alphaSecret, #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": [\#(version)]}"#, .forbidden),
                ("gamma", fixture.alphaSecret, #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": [\#(version)]}"#, .notFound),
                ("alpha", customer, #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": [\#(version)]}"#, .unauthorized),
                ("alpha", fixture.revokedSecret, #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": [\#(version)]}"#, .unauthorized),
            ]
            for (workspace, token, body, status) in refusals {
                let response = try await client.push(workspace, token: token, body: ByteBuffer(string: body))
                #expect(response.status == status)
            }
            // Per-record rejections naming the private data where an entity and a field name belong.
            let renamed = version.replacingOccurrences(of: #""entity":"account""#, with: #""entity":"\#(customer)""#)
                .replacingOccurrences(of: #""owner""#, with: #""\#(note)""#)
            let rejected = try await client.push("alpha", token: fixture.alphaSecret,
                                                 body: ByteBuffer(string: #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": [\#(renamed)]}"#))
            #expect(try rejected.decode(PushResponse.self).results.map(\.status) == [.rejected])
            let badCursor = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=" + ids[0])
            #expect(badCursor.status == .badRequest)
        }

        let log = fixture.log.lines.joined(separator: "\n")
        // The log did record every request, so its silence about the rest means something.
        for status in [200, 400, 401, 403, 404, 413, 422, 426] {
            #expect(log.contains("http.status=\(status)"), "no log line for \(status)")
        }
        for secret in secrets {
            #expect(!log.contains(secret), "the log holds \(secret)")
        }
        for token in [fixture.alphaSecret, fixture.betaSecret, fixture.revokedSecret] {
            #expect(!log.contains(token))
            #expect(!log.contains(String(token.suffix(64))))
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// `GET /metrics`: what an operator's Prometheus sees after real traffic, counted exactly.
@Suite struct MetricsTests {
    static let pushRoute = "/v1/workspaces/{workspace}/push"
    static let changesRoute = "/v1/workspaces/{workspace}/changes"

    @Test func aScrapeCountsRequestsByRouteTemplateAndPushOutcomesExactly() async throws {
        // A 1 s cap on long-polls, so the one below times out quickly.
        let fixture = try ServerFixture(maxWaitSeconds: 1)
        let base = Fixtures.account("rec-acme-1", name: "Acme")
        var onLaptop = base
        onLaptop.write(["name": .string("Acme Ltd")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis() + 1), replica: Fixtures.laptop))
        var onPhone = base
        onPhone.write(["name": .string("ACME")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis() + 2), replica: Fixtures.phone))
        let unknownEntity = RecordVersion.create(entity: "planet", id: "rec-mars", fields: ["name": .string("Mars")],
                                                 stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis()), replica: Fixtures.laptop))
        // Stale (known already), merged with one conflict, accepted, and two rejected.
        let mixed = #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": ["#
            + (try [base, onPhone, Fixtures.account("rec-initech")].map(Fixtures.json)
                + [#"{"entity": "account", "id": "rec-bad", "clock": "not a clock"}"#, try Fixtures.json(unknownEntity)])
                .joined(separator: ",") + "]}"
        let (laptopEdit, tokenID) = (onLaptop, try #require(TokenSecrets.parse(fixture.alphaSecret)))

        try await fixture.withServer { client in
            let first = try await client.push("alpha", token: fixture.alphaSecret, versions: [base, laptopEdit])
            #expect(try first.decode(PushResponse.self).results.map(\.status) == [.accepted, .accepted])
            let second = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: mixed))
            #expect(try second.decode(PushResponse.self).results.map(\.status) == [.stale, .merged, .accepted, .rejected, .rejected])
            #expect(try await client.push("alpha", token: nil, versions: [base]).status == .unauthorized)

            let page = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1").decode(ChangesResponse.self)
            let polled = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&wait=1&since=\(page.nextCursor)")
            #expect(try polled.decode(ChangesResponse.self).changes.isEmpty)

            #expect(try await client.execute(uri: "/v1/workspaces/alpha/nowhere", method: .get).status == .notFound)
            #expect(try await client.execute(uri: Route.push(workspace: "alpha"), method: .delete).status == .methodNotAllowed)
            let brew = try #require(HTTPRequest.Method("BREW"))
            #expect(try await client.execute(uri: Route.push(workspace: "alpha"), method: brew).status == .notFound)

            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let scrape = try PrometheusScrape(response)

            let requests = "rapport_http_requests_total"
            #expect(scrape[requests, ["route": Self.pushRoute, "method": "POST", "status": "200"]] == 2)
            #expect(scrape[requests, ["route": Self.pushRoute, "method": "POST", "status": "401"]] == 1)
            #expect(scrape[requests, ["route": Self.changesRoute, "method": "GET", "status": "200"]] == 2)
            #expect(scrape[requests, ["route": Self.pushRoute, "method": "DELETE", "status": "405"]] == 1)
            #expect(scrape[requests, ["route": "unmatched", "method": "GET", "status": "404"]] == 1)
            // Any token is a method: an unknown one is "other", so a client cannot mint new series.
            #expect(scrape[requests, ["route": "unmatched", "method": "other", "status": "404"]] == 1)
            // Counted when answered: the scrape itself shows up in the next one.
            #expect(scrape.total(requests) == 8)

            let outcomes = "rapport_versions_merged_total"
            #expect(scrape[outcomes, ["outcome": "accepted"]] == 3)
            #expect(scrape[outcomes, ["outcome": "merged"]] == 1)
            #expect(scrape[outcomes, ["outcome": "stale"]] == 1)
            #expect(scrape[outcomes, ["outcome": "rejected"]] == 2)
            #expect(scrape["rapport_conflicts_settled_total"] == 1)

            // Only pushes answered 200 are timed; the 401 is not.
            #expect(scrape["rapport_push_duration_seconds_count"] == 2)
            #expect(scrape["rapport_push_duration_seconds_bucket", ["le": "+Inf"]] == 2)
            #expect((scrape["rapport_push_duration_seconds_sum"] ?? 0) > 0)
            #expect(scrape["rapport_pull_duration_seconds_count", ["long_poll": "none"]] == 1)
            #expect(scrape["rapport_pull_duration_seconds_count", ["long_poll": "timed_out"]] == 1)
            #expect(scrape["rapport_pull_duration_seconds_count", ["long_poll": "woken"]] == 0)
            #expect((scrape["rapport_pull_duration_seconds_sum", ["long_poll": "timed_out"]] ?? 0) >= 0.9)
            #expect(scrape["rapport_long_polls_waiting"] == 0)

            switch TestBackend.current {
            case .sqlite:
                #expect(scrape.total("rapport_db_connections") == nil, "a SQLite server reports no pool")
            case .postgres:
                #expect(scrape["rapport_db_connections", ["state": "max"]] == 2)
                #expect((scrape["rapport_db_connections", ["state": "open"]] ?? 0) >= 1)
                #expect(scrape["rapport_db_connections", ["state": "in_use"]] != nil)
                #expect(scrape["rapport_db_connections", ["state": "waiting"]] == 0)
            }

            // Nothing identifying, in labels or anywhere else.
            for secret in ["alpha", fixture.alphaSecret, tokenID, "rec-", "Acme", "planet", "nowhere"] {
                #expect(!scrape.text.contains(secret), "the scrape shows \(secret)")
            }

            let next = try PrometheusScrape(try await client.execute(uri: "/metrics", method: .get))
            #expect(next[requests, ["route": "/metrics", "method": "GET", "status": "200"]] == 1)
        }
    }

    @Test func aWaitingLongPollIsShownUntilAPushWakesIt() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            async let waiting = client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&wait=30")
            // Bounded: the poll starts waiting within moments, however loaded the machine is.
            var (waiters, scrapes): (Double?, Int) = (nil, 0)
            while waiters != 1 && scrapes < 400 {
                if scrapes > 0 { try await Task.sleep(for: .milliseconds(50)) }
                waiters = try PrometheusScrape(try await client.execute(uri: "/metrics", method: .get))["rapport_long_polls_waiting"]
                scrapes += 1
            }
            #expect(waiters == 1)
            _ = try await client.push("alpha", token: fixture.alphaSecret, versions: [Fixtures.account("rec-fresh")])
            #expect(try await waiting.decode(ChangesResponse.self).changes.map(\.version.id) == ["rec-fresh"])

            let scrape = try PrometheusScrape(try await client.execute(uri: "/metrics", method: .get))
            #expect(scrape["rapport_long_polls_waiting"] == 0)
            #expect(scrape["rapport_pull_duration_seconds_count", ["long_poll": "woken"]] == 1)
            #expect(scrape["rapport_pull_duration_seconds_count", ["long_poll": "none"]] == 0)
        }
    }

    @Test func metricsNeedNoTokenAndRefuseOtherMethodsWith405() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let posted = try await client.execute(uri: "/metrics", method: .post)
            #expect(posted.status == .methodNotAllowed)
            #expect(try posted.error().code == "method_not_allowed")
            #expect(posted.headers[.allow] == "GET")
            let scrape = try PrometheusScrape(try await client.execute(uri: "/metrics", method: .get))
            #expect(scrape["rapport_http_requests_total", ["route": "/metrics", "method": "POST", "status": "405"]] == 1)
        }
    }

    @Test func twoServersInOneProcessCountApart() async throws {
        let (one, two) = (try ServerFixture(), try ServerFixture())
        try await one.withServer { client in
            _ = try await client.push("alpha", token: one.alphaSecret, versions: [Fixtures.account("rec-1")])
        }
        try await two.withServer(.live) { client in
            let scrape = try PrometheusScrape(try await client.execute(uri: "/metrics", method: .get))
            #expect(scrape.total("rapport_http_requests_total") == nil)
            #expect(scrape["rapport_versions_merged_total", ["outcome": "accepted"]] == 0)
        }
    }
}

/// The samples of one Prometheus text exposition, looked up by name and label set (in any order).
struct PrometheusScrape {
    struct Series: Hashable {
        let name: String
        let labels: [String: String]
    }

    let text: String
    let samples: [Series: Double]

    init(_ response: TestResponse) throws {
        try #require(response.status == .ok)
        try self.init(String(decoding: response.body.readableBytesView, as: UTF8.self))
    }

    /// Reads `name{key="value",…} number` lines; comments and blank lines are skipped. Label
    /// values here never hold quotes, commas or spaces, so no unescaping is needed.
    init(_ text: String) throws {
        self.text = text
        var samples: [Series: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let space = try #require(line.lastIndex(of: " "), "not a sample: \(line)")
            let value = try #require(Double(line[line.index(after: space)...]), "no value: \(line)")
            let series = line[..<space]
            var labels: [String: String] = [:]
            let name: Substring
            if let brace = series.firstIndex(of: "{") {
                name = series[..<brace]
                for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    try #require(parts.count == 2, "not a label: \(pair)")
                    labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                }
            } else {
                name = series
            }
            let key = Series(name: String(name), labels: labels)
            #expect(samples[key] == nil, "the series \(key) appears twice")
            samples[key] = value
        }
        self.samples = samples
    }

    subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples[Series(name: name, labels: labels)]
    }

    /// The sum over every series named `name`; nil when there is none.
    func total(_ name: String) -> Double? {
        let values = samples.filter { $0.key.name == name }.map(\.value)
        return values.isEmpty ? nil : values.reduce(0, +)
    }
}

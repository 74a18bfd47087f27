import Foundation
import Hummingbird
import HummingbirdTesting
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// Push and pull through the router, as a client sees them.
@Suite struct SyncRouterTests {
    @Test func healthNeedsNoTokenAndShowsTheEpochAndVersions() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(try response.decode(HealthResponse.self) == HealthResponse(epoch: fixture.store.epoch, protocolVersions: [1]))
            response.dump(as: "health-response-1.json")
        }
    }

    @Test func aRepeatedPushIsAllStaleAndUsesNoNewSequence() async throws {
        let fixture = try ServerFixture()
        let versions = [Fixtures.account("a1"), Fixtures.account("a2")]
        try await fixture.withServer { client in
            let first = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
            #expect(first.status == .ok)
            let accepted = try first.decode(PushResponse.self)
            #expect(accepted.results.map(\.status) == [.accepted, .accepted])
            #expect(accepted.results.map(\.sequence) == [1, 2])
            #expect(accepted.results.map(\.index) == [0, 1])
            #expect(accepted.cursor.epoch == fixture.store.epoch && accepted.cursor.sequence == 2 && accepted.cursor.tag != nil)
            first.dump(as: "push-response-1.json")

            let again = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
            let stale = try again.decode(PushResponse.self)
            #expect(stale.results.map(\.status) == [.stale, .stale])
            #expect(stale.results.map(\.sequence) == [1, 2])
            #expect(stale.cursor == accepted.cursor)
            #expect(try fixture.store.latestSequence(workspace: "alpha") == 2)
            again.dump(as: "push-response-2.json")
        }
    }

    @Test func badElementsAreRejectedAtTheirIndexWhileTheGoodOnesAreStored() async throws {
        let fixture = try ServerFixture()
        let good = try [Fixtures.account("g1"), Fixtures.account("g2")].map(Fixtures.json)
        let unknownEntity = try Fixtures.json(RecordVersion.create(
            entity: "planet", id: "p1", fields: ["name": .string("Mars")],
            stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis()), replica: Fixtures.laptop)))
        let farFuture = try Fixtures.json(Fixtures.account("f1", wall: Fixtures.nowMillis() + 72 * 3_600_000))
        let malformed = #"{"entity": "account", "id": "m1", "clock": "not a clock"}"#
        let body = #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": ["#
            + [good[0], malformed, unknownEntity, farFuture, good[1]].joined(separator: ",") + "]}"

        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let results = try response.decode(PushResponse.self).results
            #expect(results.map(\.index) == [0, 1, 2, 3, 4])
            #expect(results.map(\.status) == [.accepted, .rejected, .rejected, .rejected, .accepted])
            #expect(results.map(\.reason) == [nil, "invalid_version", "unknown_entity", "clock_drift", nil])
            #expect(results.filter { $0.status == .rejected }.allSatisfy { !($0.message ?? "").isEmpty && $0.sequence == nil })
            #expect(results[2].entity == "planet" && results[3].id == "f1")
            #expect(results[4].sequence == 2)
            response.dump(as: "push-response-3.json")
        }
    }

    @Test func concurrentEditsAreMergedAndCountTheirConflicts() async throws {
        let fixture = try ServerFixture()
        let base = Fixtures.account("a1", name: "Acme")
        var onLaptop = base
        onLaptop.write(["name": .string("Acme Ltd")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis() + 1), replica: Fixtures.laptop))
        var onPhone = base
        onPhone.write(["name": .string("ACME"), "owner": .string("lee")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis() + 2), replica: Fixtures.phone))
        let (laptopEdit, phoneEdit) = (onLaptop, onPhone)

        try await fixture.withServer { client in
            _ = try await client.push("alpha", token: fixture.alphaSecret, versions: [base, laptopEdit])
            let response = try await client.push("alpha", token: fixture.alphaSecret, versions: [phoneEdit])
            let result = try #require(try response.decode(PushResponse.self).results.first)
            #expect(result.status == .merged)
            #expect(result.conflicts == 1)
            #expect(result.sequence == 3)
            response.dump(as: "push-response-4.json")

            let pulled = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1")
            let page = try pulled.decode(ChangesResponse.self)
            #expect(page.changes.map(\.version) == [merge(laptopEdit, phoneEdit)])
        }
    }

    @Test func changesPageThroughTheFeedWithCursorsAndHasMore() async throws {
        let fixture = try ServerFixture()
        let versions = (1...5).map { Fixtures.account("acct-\($0)") }
        try await fixture.withServer { client in
            let pushed = try await client.push("alpha", token: fixture.alphaSecret, versions: versions).decode(PushResponse.self)
            var since = ""
            var pages: [ChangesResponse] = []
            for number in 1...3 {
                let response = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&limit=2&since=\(since)")
                #expect(response.status == .ok)
                response.dump(as: "changes-response-\(number).json")
                let page = try response.decode(ChangesResponse.self)
                pages.append(page)
                since = page.nextCursor.description
            }
            #expect(pages.map { $0.changes.map(\.sequence) } == [[1, 2], [3, 4], [5]])
            #expect(pages.map(\.hasMore) == [true, true, false])
            // One push is one commit: every cursor into it carries its tag, the push's answer too.
            let tag = try #require(pushed.cursor.tag)
            #expect(pages.map(\.nextCursor.description) == [2, 4, 5].map { "\(fixture.store.epoch):\($0):\(tag)" })
            #expect(pages.last?.nextCursor == pushed.cursor)
            #expect(pages.flatMap(\.changes).map(\.version) == versions)
            #expect(pages.allSatisfy { $0.epoch == fixture.store.epoch })

            // Past the end: an empty page that hands the same cursor back.
            let end = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&limit=2&since=\(since)")
            let last = try end.decode(ChangesResponse.self)
            #expect(last.changes.isEmpty && !last.hasMore && last.nextCursor.description == since)
            end.dump(as: "changes-response-4.json")
        }
    }

    @Test func aCursorFromAnotherEpochAsksForAFullResync() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let response = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=an-older-epoch:3")
            #expect(response.status == .conflict)
            let error = try response.error()
            #expect(error.code == "cursor_epoch_mismatch")
            #expect(error.epoch == fixture.store.epoch)
            response.dump(as: "error-response-409.json")
        }
    }

    @Test func aCursorPastTheEndOfTheFeedMeansARestoredServerAndAsksForAFullResync() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            // Same epoch, shorter history: the server file was restored from an older copy.
            let response = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=\(fixture.store.epoch):50")
            #expect(response.status == .conflict)
            #expect(try response.error().code == "cursor_epoch_mismatch")
        }
    }

    @Test func aCursorTaggedWithAnotherCommitThanTheOneThatWroteItsSequenceAsksForAFullResync() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            _ = try await client.push("alpha", token: fixture.alphaSecret, versions: [Fixtures.account("first")])
            let second = try await client.push("alpha", token: fixture.alphaSecret, versions: [Fixtures.account("second")]).decode(PushResponse.self)
            let tag = try #require(second.cursor.tag)
            #expect(second.cursor.description == "\(fixture.store.epoch):2:\(tag)")

            // The same sequence written by another commit: what a file copied back from a snapshot
            // hands out again after it forgot the original commit.
            let otherTag = tag == "0123456789abcdef" ? "fedcba9876543210" : "0123456789abcdef"
            let forged = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=\(fixture.store.epoch):2:\(otherTag)")
            #expect(forged.status == .conflict)
            #expect(try forged.error().code == "cursor_epoch_mismatch")
            #expect(try forged.error().epoch == fixture.store.epoch)

            let genuine = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=\(second.cursor)")
            #expect(genuine.status == .ok)
            #expect(try genuine.decode(ChangesResponse.self).nextCursor == second.cursor)

            // A cursor stored before tags existed is still served, and the answer carries the tag.
            let untagged = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=\(fixture.store.epoch):1")
            #expect(untagged.status == .ok)
            let page = try untagged.decode(ChangesResponse.self)
            #expect(page.changes.map(\.version.id) == ["second"] && page.nextCursor == second.cursor)
        }
    }

    @Test func workspacesDoNotSeeEachOthersChanges() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            _ = try await client.push("alpha", token: fixture.alphaSecret, versions: [Fixtures.account("secret-deal")])
            let page = try await client.changes("beta", token: fixture.betaSecret, query: "protocolVersion=1").decode(ChangesResponse.self)
            #expect(page.changes.isEmpty)
            #expect(page.nextCursor.description == "\(fixture.store.epoch):0")
        }
    }

    @Test func aLongPollReturnsThePushThatLandsWhileItWaits() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            async let waiting = client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&wait=30")
            try await Task.sleep(for: .milliseconds(300))
            _ = try await client.push("alpha", token: fixture.alphaSecret, versions: [Fixtures.account("fresh")])
            let response = try await waiting
            #expect(try response.decode(ChangesResponse.self).changes.map(\.version.id) == ["fresh"])
        }
    }

    // That the push *wakes* the poll is checked on the notifier itself, without a stopwatch: wall-clock
    // bounds failed in CI when kill tests and CLI tests held both cores' worker threads for a minute.
    @Test func aWaitingPollIsWokenByANotifyAndOnlyByItsOwnWorkspace() async throws {
        let notifier = ChangeNotifier()
        let generation = await notifier.generation(of: "alpha")
        async let woken = notifier.wait(for: "alpha", after: generation, timeout: .seconds(600))
        try await Task.sleep(for: .milliseconds(100))
        await notifier.notify("beta")
        await notifier.notify("alpha")
        #expect(await woken, "a notify of its workspace ends the wait (a timeout would take 10 minutes and answer false)")
        let beta = await notifier.generation(of: "beta")
        #expect(await notifier.wait(for: "beta", after: beta, timeout: .milliseconds(50)) == false)
    }

    @Test func aLongPollIsBoundedByTheServersMaximumWait() async throws {
        let fixture = try ServerFixture(maxWaitSeconds: 1)
        try await fixture.withServer { client in
            let start = ContinuousClock.now
            let response = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&wait=30")
            let elapsed = ContinuousClock.now - start
            #expect(try response.decode(ChangesResponse.self).changes.isEmpty)
            // It waited (about the server's 1 s cap). No upper bound: on a loaded 2-core CI machine,
            // worker threads held by the kill tests delayed answers by over 30 s.
            #expect(elapsed >= .milliseconds(900))
        }
    }

    @Test func everyResponseCarriesARequestIdAndTheLogNeverHoldsTheToken() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { client in
            let echoed = try await client.execute(uri: "/health", method: .get, headers: [.init("x-request-id")!: "client-42"])
            #expect(echoed.headers[.init("x-request-id")!] == "client-42")
            let fresh = try await client.execute(uri: "/health", method: .get, headers: [.init("x-request-id")!: "bad id with spaces"])
            #expect(fresh.headers[.init("x-request-id")!].map { $0 != "bad id with spaces" && !$0.isEmpty } == true)
            _ = try await client.push("alpha", token: fixture.alphaSecret, versions: [Fixtures.account("a", name: "Confidential Corp")])
            _ = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=\(fixture.store.epoch):0")
        }
        let log = fixture.log.lines.joined(separator: "\n")
        #expect(log.contains("client-42"))
        #expect(log.contains("http.path=/v1/workspaces/alpha/push"))
        #expect(log.contains("http.status=200"))
        #expect(!log.contains(fixture.alphaSecret))
        #expect(!log.contains("Confidential Corp"))
        #expect(!log.contains("since="))
    }
}

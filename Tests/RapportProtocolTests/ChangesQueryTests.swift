import Foundation
import Testing
@testable import RapportProtocol

@Suite("The changes query")
struct ChangesQueryTests {
    @Test("defaults fill in everything but protocolVersion")
    func defaults() throws {
        let query = try ChangesQuery(queryItems: ["protocolVersion": "1"])
        #expect(query == ChangesQuery(protocolVersion: 1, since: .start, limit: 500, wait: 0))
        #expect(try ChangesQuery(queryItems: ["protocolVersion": "1", "since": ""]).since == .start)
    }

    @Test("every parameter is read, and unknown ones are ignored")
    func fullQuery() throws {
        let query = try ChangesQuery(queryItems: ["protocolVersion": "1", "since": "e1:77", "limit": "1000", "wait": "30", "utm_source": "x"])
        #expect(query == ChangesQuery(since: try SyncCursor("e1:77"), limit: 1000, wait: 30))
    }

    @Test("queryItems read back into the same query")
    func roundTrip() throws {
        for query in [ChangesQuery(), ChangesQuery(since: try SyncCursor("e1:5"), limit: 1, wait: 12)] {
            let items = query.queryItems
            #expect(items.first?.0 == "protocolVersion")
            #expect(try ChangesQuery(queryItems: Dictionary(uniqueKeysWithValues: items)) == query)
        }
        #expect(!ChangesQuery().queryItems.contains { $0.0 == "since" })
    }

    @Test("bad numbers and out-of-range values are refused with a message saying what to send",
          arguments: [
              (["limit": "0"], "limit must be a whole number from 1 to 1000"),
              (["limit": "1001"], "limit must be a whole number from 1 to 1000"),
              (["limit": "ten"], #"got "ten""#),
              (["limit": ""], "limit must be"),
              (["wait": "31"], "wait must be a whole number from 0 to 30"),
              (["wait": "-1"], "wait must be"),
              (["wait": "2.5"], "wait must be"),
              (["limit": String(repeating: "9", count: 40)], "…"),
          ])
    func badNumbers(items: [String: String], expected: String) {
        do {
            _ = try ChangesQuery(queryItems: items.merging(["protocolVersion": "1"]) { a, _ in a })
            Issue.record("\(items) must be refused")
        } catch {
            #expect(error.code == .invalidRequest)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test("protocolVersion is required and checked before anything else")
    func protocolVersionFirst() {
        #expect(throws: ProtocolError.self) { try ChangesQuery(queryItems: ["since": "e1:1"]) }
        do { _ = try ChangesQuery(queryItems: [:]); Issue.record("a missing protocolVersion must be refused") } catch {
            #expect(error.code == .invalidRequest && error.message.contains("protocolVersion is required"))
        }
        do { _ = try ChangesQuery(queryItems: ["protocolVersion": "one"]); Issue.record("protocolVersion one must be refused") } catch {
            #expect(error.code == .invalidRequest)
        }
        do {
            _ = try ChangesQuery(queryItems: ["protocolVersion": "2", "since": "garbage", "limit": "-4"])
            Issue.record("protocol version 2 must be refused")
        } catch {
            #expect(error.code == .upgradeRequired)
            #expect(error.response.error.supportedVersions == ProtocolVersion.supported)
            #expect(error.message.contains("not supported"))
        }
    }

    @Test("a bad since is an invalid_cursor")
    func badSince() {
        do { _ = try ChangesQuery(queryItems: ["protocolVersion": "1", "since": "e1:-3"]); Issue.record("a negative sequence must be refused") } catch {
            #expect(error.code == .invalidCursor)
        }
    }
}

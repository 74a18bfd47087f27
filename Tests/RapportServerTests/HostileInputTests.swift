import Foundation
import Hummingbird
import HummingbirdTesting
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// A hostile or broken client cannot crash the server, get a 500, or change stored data with what
/// it sends: every bad input gets its documented 4xx error or per-record rejection, and the
/// server's stored state (every feed, workspace and token) is byte-identical afterwards.
@Suite struct HostileInputTests {
    // MARK: helpers

    /// A server whose workspaces already hold a record each, so "unchanged" compares non-empty feeds.
    private static func seededFixture() throws -> ServerFixture {
        let fixture = try ServerFixture()
        _ = try fixture.store.push(workspace: "alpha", versions: [Fixtures.account("seed-alpha", name: "Alpha Seed Ltd")])
        _ = try fixture.store.push(workspace: "beta", versions: [Fixtures.account("seed-beta", name: "Beta Seed Ltd")])
        return fixture
    }

    /// Pushes `body` to alpha and checks that its one element is rejected for `reason` and nothing changed.
    private func expectRejected(_ body: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: body))
            #expect(response.status == .ok, sourceLocation: sourceLocation)
            let results = try response.decode(PushResponse.self).results
            #expect(results.map(\.status) == [.rejected], sourceLocation: sourceLocation)
            #expect(results.map(\.reason) == [reason], sourceLocation: sourceLocation)
            #expect(results.allSatisfy { $0.sequence == nil && !($0.message ?? "").isEmpty }, sourceLocation: sourceLocation)
        }
        #expect(try fixture.storedState() == before, sourceLocation: sourceLocation)
    }

    /// Pushes `body` to alpha and checks the whole request is refused with `status`/`code` and nothing changed.
    private func expectRefused(_ body: String, status: HTTPResponse.Status, code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: body))
            #expect(response.status == status, sourceLocation: sourceLocation)
            #expect(try response.error().code == code, sourceLocation: sourceLocation)
        }
        #expect(try fixture.storedState() == before, sourceLocation: sourceLocation)
    }

    // MARK: out-of-range counters and numbers

    @Test(arguments: [
        RawCase("stamp counter negative") { $0.stamp = RawVersion.stamp(counter: "-1") },
        RawCase("stamp counter above UInt32.max") { $0.stamp = RawVersion.stamp(counter: "4294967296") },
        RawCase("stamp wall time negative") { $0.stamp = RawVersion.stamp(wall: "-1000") },
        RawCase("stamp wall time beyond Int64") { $0.stamp = RawVersion.stamp(wall: "9223372036854775808") },
        RawCase("stamp wall time 1e400") { $0.stamp = RawVersion.stamp(wall: "1e400") },
        RawCase("stamp wall time not an integer") { $0.stamp = RawVersion.stamp(wall: "1764000000000.5") },
        RawCase("dot negative") { $0.dot = "-1" },
        RawCase("dot zero") { $0.dot = "0" },
        RawCase("dot above UInt64.max") { $0.dot = "18446744073709551616" },
        RawCase("dot above the contract's int64 cap") { $0.dot = "9223372036854775808"; $0.clock = #"{"00000000000000a1": 9223372036854775808}"# },
        RawCase("dot 1e400") { $0.dot = "1e400" },
        RawCase("dot fractional") { $0.dot = "1.5" },
        RawCase("clock entry negative") { $0.clock = #"{"00000000000000a1": -1}"# },
        RawCase("clock entry zero") { $0.clock = #"{"00000000000000a1": 0}"# },
        RawCase("clock entry above UInt64.max") { $0.clock = #"{"00000000000000a1": 18446744073709551616}"# },
        RawCase("clock entry above the contract's int64 cap") { $0.clock = #"{"00000000000000a1": 18446744073709551615}"# },
        RawCase("clock entry 1e400") { $0.clock = #"{"00000000000000a1": 1e400}"# },
        RawCase("clock entry fractional") { $0.clock = #"{"00000000000000a1": 0.5}"# },
        RawCase("number field 1e400") { $0.values["arr"] = "1e400" },
    ])
    func anOutOfRangeCounterOrNumberIsRejectedAndStoresNothing(_ bad: RawCase) async throws {
        try await expectRejected(bad.version.body(), reason: RejectionReason.invalidVersion)
    }

    @Test func theLargestCountersSurviveTheRoundTripExactly() async throws {
        let fixture = try ServerFixture()
        var raw = RawVersion()
        raw.stamp = RawVersion.stamp(counter: "4294967295")
        raw.dot = "9223372036854775807"
        raw.clock = #"{"00000000000000a1": 9223372036854775807}"#
        let sent = try WireCoding.decoder().decode(RecordVersion.self, from: Data(raw.json.utf8))
        try await fixture.withServer { [raw] client in
            let pushed = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: raw.body()))
            #expect(try pushed.decode(PushResponse.self).results.map(\.status) == [.accepted])
            let pulled = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1")
            // Not rounded through a Double on the way: 2^63 - 1 has no exact Double.
            #expect(String(decoding: pulled.data, as: UTF8.self).contains("9223372036854775807"))
            #expect(try pulled.decode(ChangesResponse.self).changes.map(\.version) == [sent])
        }
    }

    @Test(arguments: [
        ("1e30", HTTPResponse.Status.unprocessableContent, "unprocessable"),
        // Well-formed JSON: a number too large for any type is the wrong shape, not broken syntax.
        ("1e400", .unprocessableContent, "unprocessable"),
        ("-1e400", .unprocessableContent, "unprocessable"),
        ("9223372036854775808", .unprocessableContent, "unprocessable"),
        ("-9223372036854775809", .unprocessableContent, "unprocessable"),
        ("1.5", .unprocessableContent, "unprocessable"),
        ("null", .unprocessableContent, "unprocessable"),
        ("9223372036854775807", .upgradeRequired, "upgrade_required"),
        ("-1", .upgradeRequired, "upgrade_required"),
        ("0", .upgradeRequired, "upgrade_required"),
    ])
    func anOutOfRangeProtocolVersionIsRefusedWholeAndStoresNothing(_ version: String, status: HTTPResponse.Status, code: String) async throws {
        let valid = RawVersion().json
        try await expectRefused(#"{"protocolVersion": \#(version), "replica": "00000000000000a1", "versions": [\#(valid)]}"#, status: status, code: code)
    }

    @Test func aPushOfMoreVersionsThanTheServerTakesIs413BeforeAnyIsRead() async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        let limit = SyncController.maxVersionsPerPush
        // Tiny elements: each would cost a rejection result many times its own size.
        func body(_ count: Int) -> ByteBuffer {
            ByteBuffer(string: #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": ["# + Array(repeating: "0", count: count).joined(separator: ",") + "]}")
        }
        let (overBody, atLimitBody) = (body(limit + 1), body(limit))
        try await fixture.withServer { client in
            let over = try await client.push("alpha", token: fixture.alphaSecret, body: overBody)
            #expect(over.status == .contentTooLarge)
            let error = try over.error()
            #expect(error.code == "payload_too_large")
            #expect(error.limit == fixture.configuration.maxBodyBytes)
            #expect(error.message.contains("\(limit)"))
            over.dump(as: "error-response-413-versions.json")

            let atLimit = try await client.push("alpha", token: fixture.alphaSecret, body: atLimitBody)
            #expect(atLimit.status == .ok)
            #expect(try atLimit.decode(PushResponse.self).results.count == limit)
        }
        #expect(try fixture.storedState() == before)
    }

    // MARK: unknown entities and fields, wrong types

    @Test(arguments: [
        RawCase("unknown entity", reason: RejectionReason.unknownEntity) { $0.entity = #""planet""# },
        RawCase("entity in another letter case", reason: RejectionReason.unknownEntity) { $0.entity = #""Account""# },
        RawCase("SQL as the entity", reason: RejectionReason.unknownEntity) { $0.entity = #""account; DROP TABLE record; --""# },
        RawCase("unknown field", reason: RejectionReason.unknownField) { $0.values["evil"] = #""x""# },
        RawCase("field in another letter case", reason: RejectionReason.unknownField) { $0.values["Name"] = #""Acme""# },
        RawCase("missing field", reason: RejectionReason.missingField) { $0.values["owner"] = nil },
        RawCase("number for a text field", reason: RejectionReason.invalidValue) { $0.values["name"] = "42" },
        RawCase("boolean for a text field", reason: RejectionReason.invalidValue) { $0.values["name"] = "true" },
        RawCase("text for a number field", reason: RejectionReason.invalidValue) { $0.values["arr"] = #""1000""# },
        RawCase("text for a date field", reason: RejectionReason.invalidValue) { $0.values["renewalDate"] = #""tomorrow""# },
        RawCase("null for a required field", reason: RejectionReason.invalidValue) { $0.values["segment"] = "null" },
        RawCase("object as a field value", reason: RejectionReason.invalidVersion) { $0.values["name"] = #"{"first": "Acme"}"# },
        RawCase("array as a field value", reason: RejectionReason.invalidVersion) { $0.values["name"] = #"["Acme"]"# },
        RawCase("number as the entity", reason: RejectionReason.invalidVersion) { $0.entity = "5" },
        RawCase("null as the id", reason: RejectionReason.invalidVersion) { $0.id = "null" },
        RawCase("empty id", reason: RejectionReason.invalidValue) { $0.id = #""""# },
        RawCase("text as the deleted flag", reason: RejectionReason.invalidVersion) { $0.deletedValue = #""no""# },
        RawCase("not an object", reason: RejectionReason.invalidVersion) { $0.override = #""account r1""# },
    ])
    func anUnknownOrMistypedPartIsRejectedAndStoresNothing(_ bad: RawCase) async throws {
        try await expectRejected(bad.version.body(), reason: bad.reason)
    }

    /// Pushes `bad` between two good versions and returns the three results, checking that the
    /// good ones were stored and nothing of the bad one was.
    private func pushBetweenGoodOnes(_ bad: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> PushResult {
        let fixture = try Self.seededFixture()
        var first = RawVersion(), last = RawVersion()
        first.id = #""good-1""#
        last.id = #""good-2""#
        let body = #"{"protocolVersion": 1, "replica": "00000000000000a1", "versions": [\#(first.json), \#(bad), \#(last.json)]}"#
        let results = try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: body))
            #expect(response.status == .ok, sourceLocation: sourceLocation)
            return try response.decode(PushResponse.self).results
        }
        #expect(results.map(\.status) == [.accepted, .rejected, .accepted], sourceLocation: sourceLocation)
        let stored = try fixture.store.changes(workspace: "alpha", after: 0, limit: 10).entries
        let ids = try stored.map { try WireCoding.decoder().decode(RecordVersion.self, from: Data($0.json.utf8)).id }
        #expect(ids == ["seed-alpha", "good-1", "good-2"], sourceLocation: sourceLocation)
        #expect(!stored.map(\.json).joined().contains("shadow"), sourceLocation: sourceLocation)
        return try #require(results.count == 3 ? results[1] : nil, sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ("beside the fields", #""shadow": "'); DROP TABLE record; --""#, "unknown key 'shadow' in a record version"),
        ("inside a stamped field", "", "fields.arr: unknown key 'shadow'"),
        ("inside the deleted flag", "", "deleted: unknown key 'shadow'"),
    ])
    func anUnknownKeyInAVersionRejectsThatVersionAloneAndIsNeverStored(_ place: String, extra: String, message: String) async throws {
        var raw = RawVersion()
        raw.extra = extra
        var json = raw.json
        // The contract's additionalProperties: false holds inside every stamped value too.
        if place == "inside a stamped field" {
            json = json.replacingOccurrences(of: #""arr": {"value": 1000, "#, with: #""arr": {"shadow": 1e400, "value": 1000, "#)
        } else if place == "inside the deleted flag" {
            json = json.replacingOccurrences(of: #""deleted": {"value": false, "#, with: #""deleted": {"shadow": true, "value": false, "#)
        }
        #expect(json.contains("shadow"))
        let rejected = try await pushBetweenGoodOnes(json)
        #expect(rejected.reason == RejectionReason.invalidVersion)
        #expect(rejected.message?.hasPrefix(message) == true, "\(rejected.message ?? "")")
        #expect(rejected.message?.contains("DROP") == false)
    }

    @Test func anUnknownKeyInThePushEnvelopeIsRefusedWholeWith422NamingTheKey() async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        let body = #"{"protocolVersion": 1, "replica": "00000000000000a1", "admin": true, "versions": [\#(RawVersion().json)]}"#
        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: body))
            #expect(response.status == .unprocessableContent)
            let error = try response.error()
            #expect(error.code == "unprocessable")
            #expect(error.message.contains("unknown key 'admin'") && error.message.contains("protocolVersion, replica and versions"))
        }
        #expect(try fixture.storedState() == before)
    }

    // MARK: dates and numbers out of range

    @Test(arguments: ["1e308", "-1e308", "253402300800000", "-62135596800001", "1.7976931348623157e308"])
    func aDateOutsideTheYears1To9999IsRejectedAloneAsAnInvalidValueNamingTheFieldAndTheRange(_ millis: String) async throws {
        var raw = RawVersion()
        raw.values["renewalDate"] = millis
        let rejected = try await pushBetweenGoodOnes(raw.json)
        #expect(rejected.reason == RejectionReason.invalidValue)
        let message = rejected.message ?? ""
        #expect(message.contains("account.renewalDate") && message.contains("0001-01-01") && message.contains("9999-12-31"), "\(message)")
    }

    @Test(arguments: ["-62135596800000", "0", "253402300799999"])
    func aDateAtTheEdgesOfTheAllowedRangeIsStored(_ millis: String) async throws {
        let fixture = try ServerFixture()
        var raw = RawVersion()
        raw.values["renewalDate"] = millis
        try await fixture.withServer { [raw] client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: ByteBuffer(string: raw.body()))
            #expect(try response.decode(PushResponse.self).results.map(\.status) == [.accepted])
        }
    }

    @Test func aNumberBeyondADoubleRejectsOnlyItsVersionAndTheMessageSaysWhere() async throws {
        var raw = RawVersion()
        raw.values["renewalDate"] = "1e400"
        let rejected = try await pushBetweenGoodOnes(raw.json)
        #expect(rejected.reason == RejectionReason.invalidVersion)
        #expect(rejected.message == "fields.renewalDate.value: field value is a number beyond the range of a double (about ±1.8e308)")
    }

    // MARK: far-future stamps

    @Test func aStampBeyondTheDriftBoundIsRejectedWhileOneJustInsideIsAccepted() async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        let hour: Int64 = 3_600_000
        let beyond = Fixtures.account("beyond", wall: Fixtures.nowMillis() + 25 * hour)
        let inside = Fixtures.account("inside", wall: Fixtures.nowMillis() + 23 * hour)
        var farthest = RawVersion()
        farthest.id = #""farthest""#
        farthest.stamp = RawVersion.stamp(wall: "999999999999999")
        try await fixture.withServer { [farthest] client in
            for rejected in [try Fixtures.pushBody([beyond]), ByteBuffer(string: farthest.body())] {
                let response = try await client.push("alpha", token: fixture.alphaSecret, body: rejected)
                let results = try response.decode(PushResponse.self).results
                #expect(results.map(\.reason) == [RejectionReason.clockDrift])
                #expect(results.allSatisfy { $0.sequence == nil })
            }
            #expect(try fixture.storedState() == before)

            let accepted = try await client.push("alpha", token: fixture.alphaSecret, versions: [inside])
            #expect(try accepted.decode(PushResponse.self).results.map(\.status) == [.accepted])
        }
    }

    @Test func aFarFutureEditOfOneFieldCannotOverwriteAStoredRecord() async throws {
        let fixture = try Self.seededFixture()
        var edited = Fixtures.account("seed-alpha", name: "Alpha Seed Ltd")
        edited.write(["name": .string("Hijacked")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis() + 48 * 3_600_000), replica: Fixtures.phone))
        let before = try fixture.storedState()
        try await fixture.withServer { [edited] client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, versions: [edited])
            #expect(try response.decode(PushResponse.self).results.map(\.reason) == [RejectionReason.clockDrift])
        }
        #expect(try fixture.storedState() == before)
    }

    // MARK: replica ids

    @Test(arguments: ["", "0", "00000000000000a1f", "zzzzzzzzzzzzzzzz", "00000000000000A1", " 00000000000000a1", "'; DROP TABLE token; --"])
    func aMalformedReplicaIdInTheEnvelopeIsRefusedWhole(_ replica: String) async throws {
        let valid = RawVersion().json
        let quoted = String(decoding: try JSONEncoder().encode(replica), as: UTF8.self)
        try await expectRefused(#"{"protocolVersion": 1, "replica": \#(quoted), "versions": [\#(valid)]}"#,
                                status: .unprocessableContent, code: "unprocessable")
    }

    @Test(arguments: [
        RawCase("stamp replica too short") { $0.stamp = RawVersion.stamp(replica: "a1") },
        RawCase("stamp replica too long") { $0.stamp = RawVersion.stamp(replica: "00000000000000a1a1") },
        RawCase("stamp replica not hex") { $0.stamp = RawVersion.stamp(replica: "000000000000zzzz") },
        RawCase("stamp replica upper case") { $0.stamp = RawVersion.stamp(replica: "00000000000000A1") },
        RawCase("clock key not a replica id") { $0.clock = #"{"laptop": 1, "00000000000000a1": 1}"# },
        RawCase("clock key with SQL") { $0.clock = #"{"'); DROP TABLE record; --": 1, "00000000000000a1": 1}"# },
        RawCase("write of a replica the clock has not seen") { $0.clock = #"{"00000000000000b2": 1}"# },
    ])
    func aMalformedReplicaIdInAVersionIsRejectedAndStoresNothing(_ bad: RawCase) async throws {
        try await expectRejected(bad.version.body(), reason: RejectionReason.invalidVersion)
    }

    /// A token grants a workspace, not a replica: the server cannot tell a forged replica id from a
    /// real one. What it guarantees is that a forger reaches only the records it pushes, in its own
    /// workspace, and that those still merge by the documented order.
    @Test func aForgedReplicaIdReachesOnlyTheRecordsItPushesInItsOwnWorkspace() async throws {
        let fixture = try Self.seededFixture()
        let now = Fixtures.nowMillis()
        let phoneStamp = Stamp(hlc: HLCTimestamp(wallMillis: now), replica: Fixtures.phone)
        let original = RecordVersion.create(entity: "account", id: "shared", fields: Fixtures.account("x").values, stamp: phoneStamp)
        _ = try fixture.store.push(workspace: "alpha", versions: [original])
        let before = try fixture.storedState()

        // Claims the phone's id in the envelope and in its stamps, the zero id, and the phone's exact stamp.
        var newer = original
        newer.write(["owner": .string("mallory")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: now + 1), replica: Fixtures.phone))
        var sameStamp = original
        sameStamp.fields["name"] = Stamped(.string("Zzz Forged"), stamp: phoneStamp, dot: 1)
        let zero = try ReplicaID("0000000000000000")
        let fromZero = RecordVersion.create(entity: "account", id: "from-zero", fields: Fixtures.account("x").values,
                                            stamp: Stamp(hlc: HLCTimestamp(wallMillis: now), replica: zero))
        let body = ByteBuffer(bytes: try WireCoding.encoder().encode(PushRequest(replica: Fixtures.phone, versions: [newer, sameStamp, fromZero])))
        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, body: body)
            #expect(response.status == .ok)
            #expect(try response.decode(PushResponse.self).results.map(\.status) == [.accepted, .accepted, .accepted])
        }

        let after = try fixture.storedState()
        #expect(after.feeds["beta"] == before.feeds["beta"])
        #expect(after.tokens == before.tokens)
        let alpha = try #require(after.feeds["alpha"]).entries
        // The seed record is untouched at its old position; only the two pushed records moved.
        #expect(alpha.first == before.feeds["alpha"]?.entries.first)
        let versions = try alpha.map { try WireCoding.decoder().decode(RecordVersion.self, from: Data($0.json.utf8)) }
        // Exactly what the merge algebra gives: the later edit wins, an equal stamp goes to the canonically greater value.
        #expect(versions.first { $0.id == "shared" } == merge(merge(original, newer), sameStamp))
        #expect(versions.first { $0.id == "shared" }?.values["name"] == .string("Zzz Forged"))
        #expect(versions.first { $0.id == "from-zero" } == fromZero)
    }

    @Test func aForgedClockEntryCannotMakeTheServerDropTheRealWritersLaterEdit() async throws {
        let fixture = try ServerFixture()
        let now = Fixtures.nowMillis()
        let byPhone = Fixtures.account("r1", name: "Acme", replica: Fixtures.phone, wall: now)
        // A forger claims to have seen a thousand writes of the phone, and edits the name.
        var forged = byPhone
        forged.clock = forged.clock.joined(with: VectorClock([Fixtures.phone: 1000]))
        forged.write(["name": .string("Forged")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: now + 1), replica: Fixtures.laptop))
        // The phone's real next write, which has not seen the forgery.
        var real = byPhone
        real.write(["name": .string("Acme Corporation")], stamp: Stamp(hlc: HLCTimestamp(wallMillis: now + 2), replica: Fixtures.phone))
        try await fixture.withServer { [forged, real] client in
            for versions in [[byPhone], [forged], [real]] {
                let response = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
                #expect(try response.decode(PushResponse.self).results.allSatisfy { $0.status != .rejected && $0.status != .stale })
            }
            let page = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1").decode(ChangesResponse.self)
            #expect(page.changes.map(\.version.values["name"]) == [.string("Acme Corporation")])
        }
    }

    // MARK: SQL-looking and other hostile text

    @Test(arguments: Hostile.all)
    func hostileTextInEveryFreeTextFieldIsStoredAndReadBackVerbatim(_ hostile: Hostile) async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        let stamp = Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis()), replica: Fixtures.laptop)
        let versions = Entities.all.map { schema in
            RecordVersion.create(entity: schema.name, id: "\(schema.name)-1", fields: Samples.values(schema.name, text: hostile.text), stamp: stamp)
        }
        #expect(Samples.coversEveryTextField)
        try await fixture.withServer { client in
            let pushed = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
            #expect(pushed.status == .ok)
            let results = try pushed.decode(PushResponse.self).results
            #expect(results.map(\.status) == Array(repeating: .accepted, count: versions.count), "\(results.compactMap(\.message))")

            let pulled = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=\(fixture.store.epoch):1")
            let received = try pulled.decode(ChangesResponse.self).changes.map(\.version)
            #expect(received == versions)
            // Byte for byte, not just equal as Swift strings (which would forgive a changed normal form).
            #expect(received.map(Samples.utf8) == versions.map(Samples.utf8))
        }
        let after = try fixture.storedState()
        #expect(after.feeds["beta"] == before.feeds["beta"])
        #expect(after.feeds["alpha"]?.entries.first == before.feeds["alpha"]?.entries.first)
        #expect(after.workspaces.map(\.name) == before.workspaces.map(\.name))
        #expect(after.tokens == before.tokens)
    }

    @Test(arguments: Hostile.all)
    func hostileTextInAFieldWithFixedValuesIsRejectedAsAnInvalidValue(_ hostile: Hostile) async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        let stamp = Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis()), replica: Fixtures.laptop)
        let versions = Samples.constrained.map { entity, field in
            var values = Samples.values(entity, text: "ok")
            values[field] = .string(hostile.text)
            return RecordVersion.create(entity: entity, id: "\(entity)-\(field)", fields: values, stamp: stamp)
        }
        try await fixture.withServer { client in
            let response = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
            #expect(response.status == .ok)
            let results = try response.decode(PushResponse.self).results
            #expect(results.map(\.reason) == Array(repeating: RejectionReason.invalidValue, count: versions.count))
        }
        #expect(try fixture.storedState() == before)
    }

    @Test func hostileRecordIdsAreStoredVerbatimAsDistinctRecords() async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        // Byte-distinct ids stay distinct records, even where a C string or a Unicode-aware
        // comparison would make two of them one ("a\0b"/"a\0c", composed/decomposed "é").
        let ids = Hostile.all.filter { $0.text.utf8.count <= 200 }.map { "id " + $0.text }
            + ["a\u{0}b", "a\u{0}c", "caf\u{E9}", "cafe\u{301}", "%", "_", "*", "?"]
        let versions = ids.map { Fixtures.account($0, name: "Same Name") }
        try await fixture.withServer { client in
            let pushed = try await client.push("alpha", token: fixture.alphaSecret, versions: versions)
            let results = try pushed.decode(PushResponse.self).results
            #expect(results.map(\.status) == Array(repeating: .accepted, count: ids.count))
            #expect(results.map { $0.id.map { Array($0.utf8) } } == ids.map { Array($0.utf8) })

            let page = try await client.changes("alpha", token: fixture.alphaSecret, query: "protocolVersion=1&since=\(fixture.store.epoch):1")
            #expect(try page.decode(ChangesResponse.self).changes.map { Array($0.version.id.utf8) } == ids.map { Array($0.utf8) })
        }
        let after = try fixture.storedState()
        #expect(after.feeds["beta"] == before.feeds["beta"])
        #expect(after.tokens == before.tokens)
    }

    @Test(arguments: Hostile.all)
    func hostileTextAsTheWorkspaceIsRefusedWith404(_ hostile: Hostile) async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        try await fixture.withServer { client in
            let pushed = try await client.push(hostile.text, token: fixture.alphaSecret, versions: [Fixtures.account("intruder")])
            #expect(pushed.status == .notFound)
            #expect(try pushed.error().code == "not_found")
            let pulled = try await client.changes(hostile.text, token: fixture.alphaSecret, query: "protocolVersion=1")
            #expect(pulled.status == .notFound)
            #expect(try pulled.error().code == "not_found")
        }
        #expect(try fixture.storedState() == before)
    }

    @Test(arguments: Hostile.all)
    func hostileTextInAQueryParameterIsRefusedWith400(_ hostile: Hostile) async throws {
        let fixture = try Self.seededFixture()
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let value = try #require(hostile.text.addingPercentEncoding(withAllowedCharacters: allowed))
        let cases = [
            ("protocolVersion=\(value)", "invalid_request"),
            ("protocolVersion=1&since=\(value)", "invalid_cursor"),
            ("protocolVersion=1&limit=\(value)", "invalid_request"),
            ("protocolVersion=1&wait=\(value)", "invalid_request"),
        ]
        try await fixture.withServer { client in
            for (query, code) in cases {
                let response = try await client.changes("alpha", token: fixture.alphaSecret, query: query)
                #expect(response.status == .badRequest, "\(query.prefix(40))")
                #expect(try response.error().code == code, "\(query.prefix(40))")
            }
        }
    }

    @Test(arguments: Hostile.all)
    func hostileTextAsTheTokenIsRefusedWith401(_ hostile: Hostile) async throws {
        let fixture = try Self.seededFixture()
        let before = try fixture.storedState()
        let realID = try #require(TokenSecrets.parse(fixture.alphaSecret))
        let hex = String(repeating: "0", count: 64)
        let headers = [
            "Bearer \(hostile.text)",
            "Bearer \(TokenSecrets.prefix)\(hostile.text)_\(hex)",
            "Bearer \(TokenSecrets.prefix)\(realID)_\(hostile.text)",
            "Bearer \(fixture.alphaSecret)\(hostile.text)",
            hostile.text,
        ]
        try await fixture.withServer { client in
            for header in headers {
                let pushed = try await client.execute(uri: Route.push(workspace: "alpha"), method: .post, headers: [.authorization: header],
                                                      body: try Fixtures.pushBody([Fixtures.account("intruder")]))
                #expect(pushed.status == .unauthorized)
                #expect(try pushed.error().code == "unauthorized")
                let pulled = try await client.execute(uri: Route.changes(workspace: "alpha") + "?protocolVersion=1", method: .get, headers: [.authorization: header])
                #expect(pulled.status == .unauthorized)
                #expect(!String(decoding: pulled.data, as: UTF8.self).contains("Alpha Seed"))
            }
        }
        #expect(try fixture.storedState() == before)
    }
}

// MARK: raw versions

/// An account version written as JSON text, so a test can put any raw JSON (an out-of-range
/// number, a wrong type) in one place and keep the rest valid.
struct RawVersion: Sendable {
    static let replica = "00000000000000a1"
    static let now = Fixtures.nowMillis()

    var entity = #""account""#
    var id = #""r1""#
    var clock = #"{"00000000000000a1": 1}"#
    /// Used for every field and the deleted flag.
    var stamp = RawVersion.stamp()
    var dot = "1"
    var deletedValue = "false"
    var values: [String: String] = ["name": #""Acme""#, "segment": #""smb""#, "arr": "1000", "renewalDate": "null", "owner": #""kim""#]
    /// Extra `"key": value` text inside the version object.
    var extra = ""
    /// Replaces the whole element when set.
    var override: String?

    static func stamp(wall: String = String(now), counter: String = "0", replica: String = replica) -> String {
        "\"\(wall):\(counter):\(replica)\""
    }

    var json: String {
        if let override { return override }
        let fields = values.sorted { $0.key < $1.key }
            .map { #""\#($0.key)": {"value": \#($0.value), "stamp": \#(stamp), "dot": \#(dot)}"# }
            .joined(separator: ", ")
        return #"{"entity": \#(entity), "id": \#(id), "clock": \#(clock), "fields": {\#(fields)}, "#
            + #""deleted": {"value": \#(deletedValue), "stamp": \#(stamp), "dot": \#(dot)}\#(extra.isEmpty ? "" : ", " + extra)}"#
    }

    /// A push of this version alone.
    func body() -> String {
        #"{"protocolVersion": 1, "replica": "\#(Self.replica)", "versions": [\#(json)]}"#
    }
}

/// One way of breaking a `RawVersion`, named for the test report.
struct RawCase: Sendable, CustomTestStringConvertible {
    let name: String
    let reason: String
    let version: RawVersion

    init(_ name: String, reason: String = RejectionReason.invalidVersion, _ edit: (inout RawVersion) -> Void) {
        self.name = name
        self.reason = reason
        var version = RawVersion()
        edit(&version)
        self.version = version
    }

    var testDescription: String { name }
}

// MARK: hostile text

/// Text written to break a careless server: SQL, quotes, NUL bytes, and a lot of unusual Unicode.
struct Hostile: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String

    static let all = [
        Hostile(name: "SQL drop table", text: "'); DROP TABLE record; --"),
        Hostile(name: "SQL always true", text: "\" OR 1=1 --"),
        Hostile(name: "SQL delete", text: "x' OR '1'='1'; DELETE FROM token WHERE ''='"),
        Hostile(name: "NUL bytes", text: "before\u{0}after\u{0}"),
        Hostile(name: "escapes and wildcards", text: #"%00 %27 \' \" \u0000 */ /* % _ * ? ../../etc/passwd"#),
        Hostile(name: "control and direction characters", text: "line\nbreak\r\ttab\u{7}\u{1B}[31m \u{202E}txt.exe \u{FEFF}"),
        Hostile(name: "100 KB of Unicode", text: String(repeating: "Ünïcødé 𝔘𝔫𝔦 🙂👩🏽‍💻 العربية 日本語 e\u{301} ", count: 1_500)),
    ]

    var testDescription: String { name }
}

/// Valid field values for every entity, with hostile text wherever the schema allows free text.
enum Samples {
    /// Fields whose text is free: stored as sent.
    static let freeText: Set<String> = [
        "account.name", "account.segment", "account.owner",
        "stakeholder.accountID", "stakeholder.name", "stakeholder.role", "stakeholder.email",
        "assessment.accountID", "assessment.stakeholderID", "assessment.note",
        "crisis.accountID", "crisis.summary",
        "objective.name",
        "measurement.objectiveID",
        "weightSet.reason",
        "resolution.entity", "resolution.recordID", "resolution.field", "resolution.stamps", "resolution.outcome",
    ]

    /// Text fields with a fixed set of values or a format: anything else is an invalid value.
    static let constrained: [(entity: String, field: String)] = [
        ("assessment", "trust"), ("assessment", "respect"), ("crisis", "severity"),
        ("objective", "key"), ("objective", "direction"), ("objective", "normaliser"),
        ("measurement", "period"), ("weightSet", "weights"),
    ]

    /// Whether the two lists above name every field that holds text, so a new one cannot go untested.
    static var coversEveryTextField: Bool {
        let text = Entities.all.flatMap { schema in
            schema.fields.filter { field in
                switch field.kind {
                case .number, .optionalNumber, .date, .optionalDate: false
                default: true
                }
            }.map { "\(schema.name).\($0.name)" }
        }
        return Set(text) == freeText.union(constrained.map { "\($0.entity).\($0.field)" })
    }

    static func values(_ entity: String, text: String) -> [String: FieldValue] {
        let now = FieldValue.number(Double(Fixtures.nowMillis()))
        let weights = String(decoding: try! JSONSerialization.data(withJSONObject: [text: 1], options: [.sortedKeys]), as: UTF8.self)
        let values: [String: FieldValue] = switch entity {
        case "account": ["name": .string(text), "segment": .string(text), "arr": .number(1000), "renewalDate": .null, "owner": .string(text)]
        case "stakeholder": ["accountID": .string(text), "name": .string(text), "role": .string(text), "email": .string(text)]
        case "assessment": ["accountID": .string(text), "stakeholderID": .string(text), "assessedAt": now,
                            "trust": .string("high"), "respect": .string("low"), "note": .string(text)]
        case "crisis": ["accountID": .string(text), "startedAt": now, "resolvedAt": .null, "severity": .string("high"), "summary": .string(text)]
        // A custom objective key and a weight table keyed by anything carry the text in a valid form.
        case "objective": ["key": .string("custom:" + text), "name": .string(text), "direction": .string("higherIsBetter"),
                           "target": .null, "normaliser": .string(#"{"kind":"passthrough"}"#)]
        case "measurement": ["objectiveID": .string(text), "period": .string("2026-Q3"), "value": .number(42)]
        case "weightSet": ["effectiveFrom": now, "reason": .string(text), "weights": .string(weights)]
        case "resolution": ["entity": .string(text), "recordID": .string(text), "field": .string(text), "stamps": .string(text),
                            "outcome": .string(text), "resolvedAt": now]
        default: [:]
        }
        return values
    }

    /// Every string field value as UTF-8 bytes, for byte-exact comparison.
    static func utf8(_ version: RecordVersion) -> [String: [UInt8]] {
        version.fields.compactMapValues { $0.value.stringValue.map { Array($0.utf8) } }
            .merging(["#id": Array(version.id.utf8)]) { $1 }
    }
}

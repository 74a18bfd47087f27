import Foundation
import RapportMerge
import Testing
@testable import RapportProtocol

@Suite("Lenient decoding of a push batch")
struct LenientPushRequestTests {
    static let phone = "9f2c4e1a0b7d6c5e"

    static func record(_ id: String, clock: String = #"{"9f2c4e1a0b7d6c5e": 1}"#,
                       trustStamp: String = #""1764000000000:0:9f2c4e1a0b7d6c5e""#, dot: String = "1") -> String {
        #"""
        {"entity": "assessment", "id": "\#(id)", "clock": \#(clock),
         "fields": {"trust": {"value": "high", "stamp": \#(trustStamp), "dot": \#(dot)},
                    "note": {"value": "Confidential: CFO is leaving", "stamp": "1764000000000:0:9f2c4e1a0b7d6c5e", "dot": 1}},
         "deleted": {"value": false, "stamp": "1764000000000:0:9f2c4e1a0b7d6c5e", "dot": 1}}
        """#
    }

    static func body(_ versions: [String], version: Int = 1) -> Data {
        Data(#"{"protocolVersion": \#(version), "replica": "\#(phone)", "versions": [\#(versions.joined(separator: ","))]}"#.utf8)
    }

    static func decode(_ data: Data) throws -> LenientPushRequest {
        try WireCoding.decoder().decode(LenientPushRequest.self, from: data)
    }

    @Test("one malformed record between two good ones becomes invalid at its index, and the others stay valid",
          arguments: [
              ("missing clock", record("bad").replacingOccurrences(of: #""clock": {"9f2c4e1a0b7d6c5e": 1},"#, with: ""), "missing 'clock'"),
              ("bad stamp", record("bad", trustStamp: #""yesterday""#), "fields.trust.stamp: stamp must look like"),
              ("wrong type", record("bad", dot: #""seven""#), "fields.trust.dot: expected an integer"),
              ("negative dot", record("bad", dot: "-1"), "a number is negative"),
              ("bad clock key", record("bad", clock: #"{"PHONE": 1}"#), "clock: clock key"),
              ("not an object", "42", "expected an object"),
              ("unknown key beside the fields", record("bad").replacingOccurrences(of: #""entity":"#, with: #""sharedWith": "everyone", "entity":"#),
               "unknown key 'sharedWith' in a record version"),
              ("unknown key in a stamped value", record("bad").replacingOccurrences(of: #"{"value": "high","#, with: #"{"value": "high", "by": "CFO","#),
               "fields.trust: unknown key 'by'"),
              ("unknown key in the deleted flag", record("bad").replacingOccurrences(of: #"{"value": false,"#, with: #"{"value": false, "why": 1,"#),
               "deleted: unknown key 'why'"),
              ("number beyond a double", record("bad").replacingOccurrences(of: #""value": "high""#, with: #""value": 1e400"#),
               "fields.trust.value: field value is a number beyond the range of a double"),
          ])
    func oneBadRecordDoesNotFailTheBatch(problem: String, bad: String, expectedReason: String) throws {
        let request = try Self.decode(Self.body([Self.record("a-1"), bad, Self.record("a-2")]))
        #expect(request.protocolVersion == 1)
        #expect(request.replica == (try ReplicaID(Self.phone)))
        try #require(request.entries.count == 3)
        guard case .valid(let first) = request.entries[0], case .valid(let third) = request.entries[2] else {
            Issue.record("good records around a \(problem) must stay valid: \(request.entries)")
            return
        }
        #expect(first.id == "a-1" && third.id == "a-2")
        guard case .invalid(let index, let reason) = request.entries[1] else {
            Issue.record("a record with a \(problem) must be invalid")
            return
        }
        #expect(index == 1)
        #expect(reason.hasPrefix(expectedReason), "\(problem): \(reason)")
        #expect(!reason.contains("CFO") && !reason.contains("yesterday") && !reason.contains("seven") && !reason.contains("-1"),
                "a reason names what is wrong, never the values: \(reason)")
    }

    @Test("an envelope without versions, or with versions that are not an array, is refused",
          arguments: [
              #"{"protocolVersion": 1, "replica": "9f2c4e1a0b7d6c5e"}"#,
              #"{"protocolVersion": 1, "replica": "9f2c4e1a0b7d6c5e", "versions": {"0": {}}}"#,
              #"{"protocolVersion": 1, "replica": "9f2c4e1a0b7d6c5e", "versions": null}"#,
              #"{"replica": "9f2c4e1a0b7d6c5e", "versions": []}"#,
              #"{"protocolVersion": 1, "replica": "not-a-replica", "versions": []}"#,
              #"[1, 2, 3]"#,
          ])
    func malformedEnvelopeThrows(json: String) {
        #expect(throws: DecodingError.self) { try Self.decode(Data(json.utf8)) }
    }

    @Test("a server maps a bad envelope to unprocessable and broken JSON to malformed_json")
    func envelopeErrorsMapToCodes() {
        #expect(throws: ProtocolError(.unprocessable, "the request body has the wrong shape: missing 'versions'")) {
            try WireCoding.decode(LenientPushRequest.self, from: Data(#"{"protocolVersion": 1}"#.utf8))
        }
        #expect(throws: ProtocolError(.malformedJSON, "the request body is not valid JSON")) {
            try WireCoding.decode(LenientPushRequest.self, from: Data(#"{"protocolVersion": 1, "versions": ["#.utf8))
        }
        // An out-of-range number is well-formed JSON, although Foundation reports it like a syntax error.
        #expect(throws: ProtocolError(.unprocessable, "the request body has the wrong shape: \(DecodingError.outOfRangeNumber)")) {
            try WireCoding.decode(PushRequest.self, from: Self.body([Self.record("a", dot: "-1")]))
        }
        #expect(throws: ProtocolError(.unprocessable, "the request body has the wrong shape: versions[0].fields.trust.stamp: stamp must look like 1764000000000:0:9f2c4e1a0b7d6c5e (wallMillis:counter:replica)")) {
            try WireCoding.decode(PushRequest.self, from: Self.body([Self.record("a", trustStamp: #""yesterday""#)]))
        }
        // 1e400 parses as JSON but fits no number type: the body has the wrong shape, it is not broken.
        #expect(throws: ProtocolError(.unprocessable, "the request body has the wrong shape: \(DecodingError.outOfRangeNumber)")) {
            try WireCoding.decode(LenientPushRequest.self, from: Data(#"{"protocolVersion": 1e400, "versions": []}"#.utf8))
        }
        #expect(throws: ProtocolError(.malformedJSON, "the request body is not valid JSON")) {
            try WireCoding.decode(LenientPushRequest.self, from: Data(#"{"protocolVersion": 1e400, "versions": [}"#.utf8))
        }
        #expect(throws: ProtocolError(.unprocessable, "the request body has the wrong shape: unknown key 'force'; a push body has only protocolVersion, replica and versions")) {
            try WireCoding.decode(LenientPushRequest.self, from: Data(#"{"protocolVersion": 1, "versions": [], "force": true}"#.utf8))
        }
        #expect(throws: ProtocolError(.malformedJSON, "the request body is empty; send a JSON object")) {
            try WireCoding.decode(LenientPushRequest.self, from: Data())
        }
    }

    @Test("the replica may be left out")
    func replicaIsOptional() throws {
        let request = try Self.decode(Data(#"{"protocolVersion": 1, "versions": []}"#.utf8))
        #expect(request.replica == nil && request.entries.isEmpty)
    }

    @Test("an unsupported protocolVersion is readable even when the rest of the body is garbage of the right JSON type")
    func versionHeaderComesFirst() throws {
        let future = Data(#"{"protocolVersion": 2, "replica": 17, "versions": "see attachment", "batch": {"compressed": true}}"#.utf8)
        let header = try WireCoding.decode(VersionHeader.self, from: future)
        #expect(header.protocolVersion == 2)
        #expect(throws: ProtocolError.unsupportedVersion(2)) { try ProtocolVersion.require(header.protocolVersion) }
        #expect(ProtocolError.unsupportedVersion(2).response.error.supportedVersions == [1])
        #expect(throws: ProtocolError.self) { try WireCoding.decode(LenientPushRequest.self, from: future) }
    }

    @Test("a strict PushRequest encodes to what the lenient reader accepts")
    func strictEncodingReadsLeniently() throws {
        let replica = try ReplicaID(Self.phone)
        let stamp = Stamp(hlc: HLCTimestamp(wallMillis: 1_764_000_000_000), replica: replica)
        let version = RecordVersion.create(entity: "account", id: "acct-1", fields: ["name": .string("Acme"), "arr": .number(120_000)], stamp: stamp)
        let data = try WireCoding.encoder().encode(PushRequest(replica: replica, versions: [version]))
        let request = try Self.decode(data)
        #expect(request.entries == [.valid(version)])
        #expect(try WireCoding.decoder().decode(PushRequest.self, from: data).versions == [version])
    }

    @Test("the JSON grammar check accepts any well-formed text, numbers of any size included, and nothing else",
          arguments: [
              (#"{"a": [1, -0.5e-7, 1e400, -1E+400, true, false, null, "x\u00e9\n"], "b": {}, "c": []}"#, true),
              (" [ ] ", true), ("0", true), (#""""#, true), (String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), true),
              ("", false), ("{", false), (#"{"a" 1}"#, false), (#"{"a": 1,}"#, false), ("[1,]", false), ("01", false), ("1.", false),
              ("1e", false), ("-", false), (".5", false), ("tru", false), ("nul", false), (#""\x""#, false), (#""\u12G4""#, false),
              ("\"a\u{1}\"", false), ("[1] [2]", false), ("{1: 2}", false), (#"{"a": 1}}"#, false), ("NaN", false), ("[1 2]", false), ("\"\u{FF}\"", true),
              ("-01", false), ("1E5", true), ("[\"\\ud800\"]", true),
          ])
    func jsonGrammar(text: String, valid: Bool) {
        #expect(JSONSyntax.isValid(Data(text.utf8)) == valid)
    }

    @Test("a body that is not UTF-8 is not JSON, even if its bytes look like it")
    func jsonGrammarNeedsUTF8() {
        #expect(!JSONSyntax.isValid(Data([0x22, 0xFF, 0x22])))
        #expect(!JSONSyntax.isValid(Data([0x5B, 0x22, 0xC3, 0x22, 0x5D])))
    }
}

import Foundation
import RapportMerge
import Testing
@testable import RapportProtocol

@Suite("The one-pass push body reader answers like the Foundation path it replaces")
struct PushBodyReaderTests {
    static let record = LenientPushRequestTests.record("r-1")

    /// Element texts with one thing wrong at each position a version has.
    static var badElements: [String] {
        let replacements = ["null", #""x""#, "1", "-1", "1.5", "1e400", "{}", "[]", "true", #""1764000000000:0:9f2c4e1a0b7d6c5e""#]
        let places = [#""assessment""#, #""r-1""#, #"{"9f2c4e1a0b7d6c5e": 1}"#, #""high""#, #""1764000000000:0:9f2c4e1a0b7d6c5e", "dot": 1}"#, "false"]
        var elements: [String] = []
        for place in places {
            for replacement in replacements {
                let changed = place.hasSuffix("}") && place.contains("dot")
                    ? record.replacingOccurrences(of: #""stamp": "1764000000000:0:9f2c4e1a0b7d6c5e", "dot": 1}"#, with: #""stamp": "1764000000000:0:9f2c4e1a0b7d6c5e", "dot": \#(replacement)}"#)
                    : record.replacingOccurrences(of: place, with: replacement)
                elements.append(changed)
            }
        }
        for key in ["entity", "id", "clock", "fields", "deleted", "value", "stamp", "dot"] {
            elements.append(record.replacingOccurrences(of: #""\#(key)":"#, with: #""_\#(key)":"#))
            elements.append(record.replacingOccurrences(of: #"{"\#(key)":"#, with: #"{"\#(key)": 0, "\#(key)":"#))
        }
        elements += ["null", "1", #""x""#, "[]", "{}", #"{"entity": 1, "id": null}"#,
                     record.replacingOccurrences(of: #""PHONE""#, with: #""x""#),
                     record.replacingOccurrences(of: #"{"9f2c4e1a0b7d6c5e": 1}"#, with: #"{"PHONE": 0, "9f2c4e1a0b7d6c5e": 1}"#),
                     record.replacingOccurrences(of: #"{"9f2c4e1a0b7d6c5e": 1}"#, with: #"{"PHONE": 2}"#),
                     record.replacingOccurrences(of: #"{"9f2c4e1a0b7d6c5e": 1}"#, with: #"{"9f2c4e1a0b7d6c5e": 1, "9f2c4e1a0b7d6c5e": "x"}"#),
                     record.replacingOccurrences(of: #""entity":"#, with: #""a": 1, "b": 2, "entity":"#)]
        return elements
    }

    @Test("each malformed element is rejected alone with the same reason as before", arguments: badElements)
    func elementReasonsAgree(element: String) {
        let body = LenientPushRequestTests.body([Self.record, element])
        let old = FoundationPush.decode(body), new = FoundationPush.codec(body)
        // When an element has the same fault in several fields (or several unknown keys), Foundation
        // names whichever its dictionary yields first, which varies from run to run; the codec names
        // the first in the document. The reasons then agree once the field or key name is masked.
        #expect(Self.masked(old) == Self.masked(new), "\(element)\nFoundation: \(old)\ncodec: \(new)")
    }

    /// The outcome with every rejection reason's field or key name masked; valid versions as they are.
    private static func masked(_ outcome: Result<LenientPushRequest, ProtocolError>) -> Result<LenientPushRequest, ProtocolError> {
        outcome.map { request in
            var request = request
            request.entries = request.entries.map { entry in
                guard case .invalid(let index, let reason) = entry else { return entry }
                return .invalid(index: index, reason: reason
                    .replacingOccurrences(of: #"fields\.[A-Za-z0-9_]+"#, with: "fields.*", options: .regularExpression)
                    .replacingOccurrences(of: #"unknown key '[^']*'"#, with: "unknown key '*'", options: .regularExpression))
            }
            return request
        }
    }

    @Test("bodies refused whole get the same code and message as before", arguments: [
        "", " ", "{", "[1, 2, 3]", "null", "42", #"{"versions": []}"#, #"{"protocolVersion": "1", "versions": []}"#,
        #"{"protocolVersion": null, "versions": []}"#, #"{"protocolVersion": 1.5, "versions": []}"#, #"{"protocolVersion": 1e400, "versions": []}"#,
        #"{"protocolVersion": 1.0, "versions": []}"#, #"{"protocolVersion": 2, "versions": 7}"#, #"{"protocolVersion": 1, "versions": "all"}"#,
        #"{"protocolVersion": 1, "versions": null}"#, #"{"protocolVersion": 1, "versions": {}}"#, #"{"protocolVersion": 1}"#,
        #"{"protocolVersion": 1, "versions": [], "force": true}"#, #"{"force": true, "protocolVersion": 2, "versions": []}"#,
        #"{"protocolVersion": 1, "replica": "PHONE", "versions": []}"#, #"{"protocolVersion": 1, "replica": 17, "versions": []}"#,
        #"{"protocolVersion": 1, "replica": null, "versions": []}"#, #"{"versions": [], "protocolVersion": 1, "protocolVersion": 2}"#,
        #"{"protocolVersion": 1, "versions": [}"#, #"{"protocolVersion": 1, "versions": []} x"#,
    ])
    func envelopeErrorsAgree(json: String) {
        let old = FoundationPush.decode(Data(json.utf8)), new = FoundationPush.codec(Data(json.utf8))
        #expect(old == new, "\(json)\nFoundation: \(old)\ncodec: \(new)")
    }

    @Test("where Foundation accepts text RFC 8259 does not (a trailing comma, a byte order mark), the body is not JSON",
          arguments: [#"{"protocolVersion": 1, "versions": [1,]}"#, "\u{FEFF}{\"protocolVersion\": 1, \"versions\": []}"])
    func strictGrammar(json: String) {
        #expect(!JSONSyntax.isValid(Data(json.utf8)))
        #expect(FoundationPush.codec(Data(json.utf8)).errorCode == .malformedJSON)
    }

    @Test("a body truncated anywhere is refused as before")
    func truncatedBodiesAgree() {
        let body = LenientPushRequestTests.body([Self.record, Self.record])
        for end in 0..<body.count {
            let cut = body.prefix(end)
            let old = FoundationPush.decode(cut), new = FoundationPush.codec(cut)
            #expect(old.errorCode == new.errorCode, "cut at \(end)")
        }
    }

    @Test("more versions than allowed are refused before any element is read, wherever protocolVersion stands")
    func tooManyVersions() {
        let body = Data(#"{"versions": [1, 2, 3], "replica": "9f2c4e1a0b7d6c5e", "protocolVersion": 1}"#.utf8)
        #expect(FoundationPush.codec(body, maxVersions: 2).errorCode == .payloadTooLarge)
        #expect(FoundationPush.codec(body, maxVersions: 2) == FoundationPush.decode(body, maxVersions: 2))
        let future = Data(#"{"versions": [1, 2, 3], "protocolVersion": 2}"#.utf8)
        #expect(FoundationPush.codec(future, maxVersions: 2).errorCode == .upgradeRequired)
    }

    @Test("deep nesting is refused whole without exhausting the stack, and broken deep bodies are not JSON")
    func deepNesting() {
        for depth in [510, 511, 512, 513, 100_000] {
            let json = #"{"protocolVersion": 1, "versions": "# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
            let old = FoundationPush.decode(Data(json.utf8)), new = FoundationPush.codec(Data(json.utf8))
            #expect(old.errorCode == new.errorCode, "depth \(depth): \(old) vs \(new)")
        }
        let broken = Data(String(repeating: "{\"a\":", count: 50_000).utf8)
        #expect(FoundationPush.codec(broken).errorCode == .malformedJSON)
        #expect(FoundationPush.codec(Data(String(repeating: "[", count: 600).utf8)).errorCode == .malformedJSON)
        #expect(FoundationPush.codec(Data((String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).utf8)).errorCode == .unprocessable)
    }

    @Test("bodies that are not UTF-8 are not JSON")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x7B, 0x22, 0x70, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(FoundationPush.codec(Data(bytes)).errorCode == .malformedJSON)
        }
    }
}

extension Result where Failure == ProtocolError {
    var errorCode: ErrorCode? { if case .failure(let error) = self { error.code } else { nil } }
}

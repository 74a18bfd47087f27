import Foundation
import RapportProtocol
import Testing

/// `JSONSyntax.members(ofObject:)`: a line's own fields read by name, an embedded value kept as
/// its exact bytes (what a server dump needs to carry a stored record version verbatim).
@Suite struct JSONSyntaxTests {
    private static func members(_ text: String) -> [String: String]? {
        let bytes = Array(text.utf8)
        return JSONSyntax.members(ofObject: bytes).map { members in
            Dictionary(uniqueKeysWithValues: members.map { ($0.key, String(decoding: bytes[$0.value], as: UTF8.self)) })
        }
    }

    @Test("each member's value is its raw text, nested objects and escapes untouched")
    func membersKeepTheirRawText() {
        let line = #"{"type":"record", "sequence" : 12 ,"version":{"id":"a\u0000b","n":[1e400, {"x":null}]},"k\u00e9y":"v"}"#
        #expect(Self.members(line) == [
            "type": #""record""#, "sequence": "12", "version": #"{"id":"a\u0000b","n":[1e400, {"x":null}]}"#, "kéy": #""v""#,
        ])
        #expect(Self.members("{}") == [:])
    }

    @Test("anything but exactly one well-formed object, or a key given twice, has no members",
          arguments: ["", "[]", "1", #"{"a":1} {"b":2}"#, #"{"a":1,"a":2}"#, #"{"a":}"#, #"{"a":1"#, #"{"a":"\u{1}"}"#])
    func onlyOneObjectHasMembers(text: String) {
        #expect(Self.members(text) == nil)
    }
}

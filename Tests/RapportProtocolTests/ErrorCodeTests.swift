import Foundation
import Testing
@testable import RapportProtocol

@Suite("Error codes and error bodies")
struct ErrorCodeTests {
    @Test("each code travels with its HTTP status",
          arguments: [
              (ErrorCode.malformedJSON, "malformed_json", 400), (.invalidRequest, "invalid_request", 400),
              (.invalidCursor, "invalid_cursor", 400), (.unauthorized, "unauthorized", 401), (.forbidden, "forbidden", 403),
              (.notFound, "not_found", 404), (.methodNotAllowed, "method_not_allowed", 405),
              (.cursorEpochMismatch, "cursor_epoch_mismatch", 409), (.payloadTooLarge, "payload_too_large", 413),
              (.unprocessable, "unprocessable", 422), (.upgradeRequired, "upgrade_required", 426),
              (.tooManyRequests, "too_many_requests", 429),
          ])
    func statusTable(code: ErrorCode, rawValue: String, status: Int) {
        #expect(code.rawValue == rawValue)
        #expect(code.httpStatus == status)
        #expect(ErrorCode(rawValue: rawValue) == code)
        #expect(ErrorResponse(code, message: "m").httpStatus == status)
    }

    @Test("the known codes are unique and a client reading an unknown code still gets the body")
    func unknownCodes() throws {
        #expect(Set(ErrorCode.known.map(\.rawValue)).count == ErrorCode.known.count)
        #expect(ErrorCode(rawValue: "teapot") == nil)
        let body = try WireCoding.decoder().decode(ErrorResponse.self, from: Data(#"{"error": {"code": "teapot", "message": "short and stout"}}"#.utf8))
        #expect(body.error.errorCode == nil && body.error.message == "short and stout")
    }

    @Test("error bodies omit the facts that do not apply, and include the ones their code promises")
    func bodies() throws {
        let plain = try WireCoding.encoder().encode(ProtocolError(.forbidden, "this token does not grant workspace w2").response)
        let expected = #"{"error": {"code": "forbidden", "message": "this token does not grant workspace w2"}}"#
        #expect(JSONComparison.equal(try JSONComparison.object(plain), try JSONComparison.object(Data(expected.utf8))))
        #expect(ProtocolError.payloadTooLarge(limit: 4_194_304).response.error.limit == 4_194_304)
        #expect(ProtocolError.payloadTooLarge(limit: 4_194_304).code.httpStatus == 413)
        #expect(ProtocolError.cursorEpochMismatch(serverEpoch: "e2").response.error.epoch == "e2")
        #expect(ProtocolError.unsupportedVersion(9).response.error.supportedVersions == [1])
        #expect(ProtocolError(.forbidden, "x").description == "forbidden: x")
    }
}

import Foundation
import Testing
@testable import RapportProtocol

@Suite("Sync cursors")
struct SyncCursorTests {
    static let epoch = "7c1e5b2a-4d3f-4e8a-9b0c-1f2e3d4c5b6a"

    @Test("the text form round-trips, and the empty string is the start")
    func textForm() throws {
        let cursor = try SyncCursor("\(Self.epoch):1043")
        #expect(cursor.epoch == Self.epoch && cursor.sequence == 1043 && !cursor.isStart)
        #expect(cursor.description == "\(Self.epoch):1043")
        #expect(try SyncCursor(epoch: Self.epoch, sequence: 1043) == cursor)
        #expect(try SyncCursor("") == .start)
        #expect(SyncCursor.start.description == "" && SyncCursor.start.epoch == nil && SyncCursor.start.sequence == 0)
        #expect(try SyncCursor("e1:0").sequence == 0)
        #expect(try SyncCursor("e1:\(Int64.max)").sequence == .max)
    }

    @Test("a cursor carries the tag of the commit that wrote its sequence, and the old two-part form still parses")
    func taggedForm() throws {
        let cursor = try SyncCursor("\(Self.epoch):1043:0b4e8d2f6a1c9573")
        #expect(cursor.epoch == Self.epoch && cursor.sequence == 1043 && cursor.tag == "0b4e8d2f6a1c9573")
        #expect(cursor.description == "\(Self.epoch):1043:0b4e8d2f6a1c9573")
        #expect(try SyncCursor(epoch: Self.epoch, sequence: 1043, tag: "0b4e8d2f6a1c9573") == cursor)
        #expect(try SyncCursor("\(Self.epoch):1043").tag == nil)
        #expect(try SyncCursor("\(Self.epoch):1043") != cursor)
        #expect(throws: ProtocolError.self) { try SyncCursor(epoch: Self.epoch, sequence: 1, tag: "ABCDEF0123456789") }
    }

    @Test("anything the server could not have produced is an invalid_cursor telling the client what to send",
          arguments: [":5", "e1", "e1:", "e1:-1", "e1:+1", "e1:007", "e1:1.5", "e1:9223372036854775808", "e 1:5", "e1:5:6", "e1:5:", "e1:5:0B4E8D2F6A1C9573", "e1:5:0b4e8d2f6a1c957", "e1:5:0b4e8d2f6a1c95733", "e1:5:0b4e8d2f6a1c9573:1",
                      "ep/och:1", String(repeating: "a", count: 65) + ":1", "é:1", "e1: 5"])
    func badCursors(text: String) {
        #expect(throws: ProtocolError.self) { try SyncCursor(text) }
        do { _ = try SyncCursor(text) } catch {
            #expect(error.code == .invalidCursor)
            #expect(error.message.contains("nextCursor"))
            #expect(error.response.error.code == "invalid_cursor")
        }
    }

    @Test("a server-made cursor needs a valid epoch and a non-negative sequence")
    func serverMadeCursors() {
        #expect(throws: ProtocolError.self) { try SyncCursor(epoch: "", sequence: 1) }
        #expect(throws: ProtocolError.self) { try SyncCursor(epoch: "a:b", sequence: 1) }
        #expect(throws: ProtocolError.self) { try SyncCursor(epoch: "e1", sequence: -1) }
    }

    @Test("it encodes as its text, in any position of a message")
    func codable() throws {
        let cursor = try SyncCursor("e1:42")
        let data = try WireCoding.encoder().encode([cursor, .start])
        #expect(String(decoding: data, as: UTF8.self) == #"["e1:42",""]"#)
        #expect(try WireCoding.decoder().decode([SyncCursor].self, from: data) == [cursor, .start])
        #expect(throws: DecodingError.self) { try WireCoding.decoder().decode([SyncCursor].self, from: Data(#"["e1:x"]"#.utf8)) }
    }

    @Test("a cursor from another epoch asks for a full resync and names the server's epoch; the start fits any epoch")
    func epochMismatch() throws {
        #expect(throws: Never.self) { try SyncCursor.start.requireEpoch(Self.epoch) }
        #expect(throws: Never.self) { try SyncCursor("\(Self.epoch):9").requireEpoch(Self.epoch) }
        do {
            try SyncCursor("old-epoch:9").requireEpoch(Self.epoch)
            Issue.record("a cursor from another epoch must be refused")
        } catch {
            #expect(error.code == .cursorEpochMismatch && error.code.httpStatus == 409)
            #expect(error.response.error.epoch == Self.epoch)
            #expect(error.message.contains("pull from the start"))
        }
    }
}

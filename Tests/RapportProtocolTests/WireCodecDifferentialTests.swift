import Foundation
import RapportMerge
import Testing
@testable import RapportProtocol

@Suite("The byte-level codec agrees with the Codable path")
struct WireCodecDifferentialTests {
    static func foundationBytes(_ version: RecordVersion) throws -> Data { try WireCoding.encoder().encode(version) }

    @Test("thousands of random record versions read and write the same through both paths")
    func randomVersionsAgree() throws {
        for seed in UInt64(1)...3 {
            var random = RandomVersions(seed: seed)
            for index in 0..<1_000 {
                let version = random.version()
                let written = WireCoding.encode(version)
                let byFoundation = try? WireCoding.decoder().decode(RecordVersion.self, from: Data(written))
                #expect(byFoundation == version, "seed \(seed), version \(index): Foundation reads the codec's JSON differently")
                let readBack = try? WireCoding.decodeVersion(written)
                #expect(readBack == version, "seed \(seed), version \(index): the codec does not read its own JSON back")
                let fromFoundation = try? WireCoding.decodeVersion(try Self.foundationBytes(version))
                #expect(fromFoundation == version, "seed \(seed), version \(index): the codec reads Foundation's JSON differently")
                if byFoundation != version || readBack != version || fromFoundation != version { return }
            }
        }
    }

    @Test("numbers read exactly as Foundation reads them", arguments: [
        "0", "-0", "-0.0", "1", "-1", "9007199254740992", "9007199254740993", "-9007199254740993", "1e-300", "1E+300",
        "1e400", "-1e400", "1e-400", "1e-320", "2.4e-324", "2.5e-324", "0e-400", "0.1", "123456789012345678901234567890",
        "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324", "100e-2", "0.000001", "1.5e15", "12345.6789e-3",
    ])
    func numbersAgree(text: String) throws {
        let json = Data(#"{"entity":"a","id":"b","clock":{},"fields":{"n":{"value":\#(text),"stamp":"1:0:0000000000000001","dot":1}},"deleted":{"value":false,"stamp":"1:0:0000000000000001","dot":1}}"#.utf8)
        let foundation = try? WireCoding.decoder().decode(RecordVersion.self, from: json)
        let codec = try? WireCoding.decodeVersion(json)
        #expect(foundation == codec, "\(text): Foundation \(String(describing: foundation?.values)), codec \(String(describing: codec?.values))")
        if let number = foundation?.values["n"]?.numberValue {
            #expect(number.sign == .plus || number != 0, "-0 is stored as 0")
        }
    }

    @Test("clock counts and dots read exactly as Foundation reads whole numbers", arguments: [
        "0", "-0", "1", "1.0", "1e2", "10e-1", "1.5", "-1", "1e-2", "1e-400", "18446744073709551615", "18446744073709551616",
        "18446744073709551615.0", "9007199254740993.0", "1.000000000000000000001", "0.0", "1E+2", "\"1\"", "null", "true",
    ])
    func wholeNumbersAgree(text: String) throws {
        let json = Data(#"{"entity":"a","id":"b","clock":{"0000000000000001":\#(text)},"fields":{},"deleted":{"value":false,"stamp":"1:0:0000000000000001","dot":\#(text)}}"#.utf8)
        let foundation = try? WireCoding.decoder().decode(RecordVersion.self, from: json)
        let codec = try? WireCoding.decodeVersion(json)
        #expect(foundation == codec, "\(text)")
    }

    @Test("strings with escapes, control characters and surrogate pairs read the same", arguments: [
        #""\ud83d\ude00""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\u0000""#, #""\/\b\f\n\r\t\"\\""#,
        #""é""#, "\"\u{7F}\"", #""\u00e9\u4e2d""#, #""\uD83D\uDE00""#,
    ])
    func stringsAgree(text: String) throws {
        let json = Data(#"{"entity":"a","id":\#(text),"clock":{},"fields":{"s":{"value":\#(text),"stamp":"1:0:0000000000000001","dot":1}},"deleted":{"value":false,"stamp":"1:0:0000000000000001","dot":1}}"#.utf8)
        let foundation = try? WireCoding.decoder().decode(RecordVersion.self, from: json)
        let codec = try? WireCoding.decodeVersion(json)
        #expect(foundation == codec, "\(text)")
    }

    @Test("every example file reads the same through the codec and through Codable")
    func examplesAgree() throws {
        for name in ExampleFilesTests.names {
            let data = try Data(contentsOf: ExampleFilesTests.folder.appendingPathComponent(name))
            switch name {
            case _ where name.hasPrefix("record-version"), _ where name.hasPrefix("entity-"):
                let version = try WireCoding.decodeVersion(data)
                #expect(version == (try WireCoding.decoder().decode(RecordVersion.self, from: data)), "\(name)")
                #expect((try WireCoding.decoder().decode(RecordVersion.self, from: Data(WireCoding.encode(version)))) == version, "\(name)")
            case _ where name.hasPrefix("push-request"):
                let strict = try WireCoding.decoder().decode(PushRequest.self, from: data)
                let lenient = try WireCoding.decodePush(data, maxVersions: 10_000, limit: 1 << 20)
                #expect(lenient.entries == strict.versions.map { .valid($0) } && lenient.replica == strict.replica, "\(name)")
            case _ where name.hasPrefix("push-response"):
                let response = try WireCoding.decodePushResponse(data)
                #expect(response == (try WireCoding.decoder().decode(PushResponse.self, from: data)), "\(name)")
                #expect((try WireCoding.decoder().decode(PushResponse.self, from: Data(WireCoding.encode(response)))) == response, "\(name)")
            case _ where name.hasPrefix("changes-response"):
                let page = try WireCoding.decodeChanges(data)
                #expect(page == (try WireCoding.decoder().decode(ChangesResponse.self, from: data)), "\(name)")
            default: continue
            }
        }
    }

    @Test("a change page written around stored versions is the ChangesResponse Codable reads")
    func changePagesSplice() throws {
        var random = RandomVersions(seed: 7)
        let versions = (0..<20).map { _ in random.version() }
        let conflict = Conflict(entity: "a", id: "b", field: "f", kind: .field, local: versions[0].deleted.asFieldValue,
                                remote: versions[1].deleted.asFieldValue, winner: .remote, reason: .laterStamp)
        let conflictJSON = String(decoding: try WireCoding.encoder().encode(conflict), as: UTF8.self)
        var writer = ChangePageWriter(epoch: "e-1")
        for (index, version) in versions.enumerated() {
            writer.append(sequence: Int64(index + 1), version: WireCoding.encode(version), conflicts: index == 3 ? [conflictJSON] : [])
        }
        let cursor = try SyncCursor(epoch: "e-1", sequence: 20, tag: "0123456789abcdef")
        let page = Data(writer.finish(nextCursor: cursor, hasMore: true))
        let expected = ChangesResponse(epoch: "e-1", changes: versions.enumerated().map {
            Change(sequence: Int64($0.offset + 1), version: $0.element, conflicts: $0.offset == 3 ? [conflict] : nil)
        }, nextCursor: cursor, hasMore: true)
        #expect(try WireCoding.decoder().decode(ChangesResponse.self, from: page) == expected)
        #expect(try WireCoding.decodeChanges(page) == expected)
    }

    @Test("push answers read and write the same through both paths")
    func pushResponsesAgree() throws {
        let response = PushResponse(results: [
            PushResult(index: 0, entity: "account", id: "a\"1", status: .accepted, sequence: 4),
            PushResult(index: 1, status: .merged, sequence: 5, conflicts: 2),
            .rejected(index: 2, reason: RejectionReason.invalidVersion, message: "fields.trust.stamp: stamp must look like \u{1}…"),
        ], cursor: try SyncCursor(epoch: "e", sequence: 5, tag: "00000000000000ff"))
        #expect(try WireCoding.decoder().decode(PushResponse.self, from: Data(WireCoding.encode(response))) == response)
        #expect(try WireCoding.decodePushResponse(try WireCoding.encoder().encode(response)) == response)
    }
}

import Foundation
import RapportMerge
import Testing
@testable import RapportProtocol

@Suite("The example payloads in Schemas/examples")
struct ExampleFilesTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas/examples")

    static let names: [String] = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?
        .filter { $0.hasSuffix(".json") }.sorted() ?? []

    /// Decodes with the Swift type the file is named after and encodes again.
    static func roundTrip(_ name: String, _ data: Data) throws -> Data? {
        func via<T: Codable>(_: T.Type) throws -> Data {
            try WireCoding.encoder().encode(try WireCoding.decoder().decode(T.self, from: data))
        }
        switch name {
        case _ where name.hasPrefix("error-"): return try via(ErrorResponse.self)
        case _ where name.hasPrefix("record-version"), _ where name.hasPrefix("entity-"): return try via(RecordVersion.self)
        case _ where name.hasPrefix("push-request"): return try via(PushRequest.self)
        case _ where name.hasPrefix("push-response"): return try via(PushResponse.self)
        case _ where name.hasPrefix("changes-response"): return try via(ChangesResponse.self)
        case _ where name.hasPrefix("health-response"): return try via(HealthResponse.self)
        case _ where name.hasPrefix("schema-response"): return try via(SchemaResponse.self)
        default: return nil
        }
    }

    @Test("the folder holds an example of every message")
    func folderIsFound() {
        for prefix in ["record-version", "entity-", "push-request", "push-response", "changes-response", "health-response", "schema-response", "error-"] {
            #expect(Self.names.contains { $0.hasPrefix(prefix) }, "no example for \(prefix)")
        }
    }

    @Test("every example decodes into its Swift type and encodes back to the same JSON", arguments: names)
    func roundTrips(name: String) throws {
        let original = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let encoded = try #require(try Self.roundTrip(name, original), "\(name) is not named after a message")
        #expect(JSONComparison.equal(try JSONComparison.object(original), try JSONComparison.object(encoded)),
                "\(name) changed on the way through Swift: \(String(decoding: encoded, as: UTF8.self))")
    }

    @Test("the example push decodes leniently into valid entries equal to the strict decoding")
    func examplePushIsLenientlyValid() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("push-request.json"))
        let strict = try WireCoding.decode(PushRequest.self, from: data)
        let lenient = try WireCoding.decode(LenientPushRequest.self, from: data)
        #expect(lenient.replica == strict.replica)
        #expect(lenient.entries == strict.versions.map { .valid($0) })
        for version in strict.versions { #expect(throws: Never.self) { try version.validate() } }
    }

    @Test("error examples carry the facts their code promises")
    func errorExamplesCarryTheirFacts() throws {
        for name in Self.names where name.hasPrefix("error-") {
            let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
            let body = try WireCoding.decode(ErrorResponse.self, from: data).error
            let code = try #require(body.errorCode, "\(name) uses an unknown code \(body.code)")
            if code == .upgradeRequired { #expect(body.supportedVersions == ProtocolVersion.supported) }
            if code == .payloadTooLarge { #expect(body.limit != nil) }
            if code == .cursorEpochMismatch { #expect(body.epoch.map(SyncCursor.isValidEpoch) == true) }
        }
    }
}

import Foundation
import RapportMerge

/// The byte-level codec of the sync path: record versions, push bodies, push answers and change
/// pages, read and written without `JSONEncoder`/`JSONDecoder` (several times faster per record).
///
/// Each function reads or writes exactly the JSON of the type's `Codable` form (the differential
/// tests hold them to it), so either side may use either path. Failures are `ProtocolError`s:
/// `malformed_json` for bytes that are not JSON, `unprocessable` for JSON of the wrong shape.
extension WireCoding {
    // MARK: record versions

    /// The JSON of one record version.
    public static func encode(_ version: RecordVersion) -> [UInt8] {
        var writer = JSONWriter(capacity: 160 + version.fields.count * 80)
        writer.version(version)
        return writer.bytes
    }

    /// Appends the JSON of one record version to `bytes`.
    public static func append(_ version: RecordVersion, to bytes: inout [UInt8]) {
        var writer = JSONWriter(appendingTo: bytes)
        bytes = []
        writer.version(version)
        bytes = writer.bytes
    }

    /// One record version, read like its `Codable` form reads it (keys it does not know are ignored).
    public static func decodeVersion(_ bytes: some ContiguousBytes) throws(ProtocolError) -> RecordVersion {
        try reading(bytes, what: "a record version") { reader throws(JSONFailure) in try reader.readVersion(strict: false) }
    }

    // MARK: push

    /// A push body as a server reads it, in one lenient pass (see `PushBodyReader`): `upgrade_required`
    /// for an unsupported `protocolVersion` and `payload_too_large` (with `limit`) for more than
    /// `maxVersions` versions, both before any element is decoded; each element that is not a valid
    /// record version becomes `.invalid(index:reason:)`.
    public static func decodePush(_ body: some ContiguousBytes, maxVersions: Int, limit: Int) throws(ProtocolError) -> LenientPushRequest {
        let result: Result<LenientPushRequest, ProtocolError> = body.withUnsafeBytes { raw in
            do throws(ProtocolError) {
                return .success(try PushBodyReader.read(raw.assumingMemoryBound(to: UInt8.self), maxVersions: maxVersions, limit: limit))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The bytes around a push body's versions, so a client can encode each version once, size a
    /// batch exactly, and join them with commas between `prefix` and `suffix`.
    public static func pushEnvelope(replica: ReplicaID) -> (prefix: [UInt8], suffix: [UInt8]) {
        var writer = JSONWriter(capacity: 64)
        writer.raw("{\"protocolVersion\":")
        writer.integer(ProtocolVersion.current)
        writer.raw(",\"replica\":")
        writer.replicaID(replica)
        writer.raw(",\"versions\":[")
        return (writer.bytes, Array("]}".utf8))
    }

    /// The JSON of a push answer.
    public static func encode(_ response: PushResponse) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + response.results.count * 64)
        writer.pushResponse(response)
        return writer.bytes
    }

    /// A push answer, read like its `Codable` form reads it.
    public static func decodePushResponse(_ bytes: some ContiguousBytes) throws(ProtocolError) -> PushResponse {
        try reading(bytes, what: "a push response") { reader throws(JSONFailure) in try reader.readPushResponse() }
    }

    // MARK: changes

    /// A change page, read like its `Codable` form reads it.
    public static func decodeChanges(_ bytes: some ContiguousBytes) throws(ProtocolError) -> ChangesResponse {
        try reading(bytes, what: "a changes response") { reader throws(JSONFailure) in try reader.readChangesResponse() }
    }

    // MARK: helpers

    private static func reading<T>(_ bytes: some ContiguousBytes, what: String,
                                   _ read: (inout JSONReader) throws(JSONFailure) -> T) throws(ProtocolError) -> T {
        let result: Result<T, JSONFailure> = bytes.withUnsafeBytes { raw in
            var reader = JSONReader(raw.assumingMemoryBound(to: UInt8.self))
            do throws(JSONFailure) {
                let value = try read(&reader)
                try reader.expectEnd()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let failure) where failure.kind == .syntax:
            throw ProtocolError(.malformedJSON, "\(what) is not valid JSON")
        case .failure(let failure):
            throw ProtocolError(.unprocessable, "not \(what): \(failure.shortMessage)")
        }
    }
}

import Foundation
import RapportMerge

/// Reads a push body in one lenient pass over its bytes, refusing it in the order a server must:
/// not JSON (400), the envelope (422), `protocolVersion` (426), too many versions (413), and only
/// then decoding elements, each of which may fail alone.
///
/// `protocolVersion` may stand anywhere in the object, so a first walk over the top level checks
/// the grammar of the whole body, notes where each member's value starts and counts the elements of
/// `versions` without decoding them; the elements are decoded afterwards, in place. Messages are
/// those the `VersionHeader` and `LenientPushRequest` decodes gave.
enum PushBodyReader {
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, maxVersions: Int, limit: Int) throws(ProtocolError) -> LenientPushRequest {
        guard !bytes.isEmpty else { throw ProtocolError(.malformedJSON, "the request body is empty; send a JSON object") }
        let outline: Outline
        do {
            outline = try Outline(bytes)
        } catch {
            throw problem(error, in: bytes)
        }
        var reader = JSONReader(bytes)
        func body<T>(_ read: (inout JSONReader) throws(JSONFailure) -> T) throws(ProtocolError) -> T {
            do throws(JSONFailure) { return try read(&reader) } catch { throw problem(error, in: bytes) }
        }
        guard let versionAt = outline.protocolVersion else { throw problem(.shape("missing 'protocolVersion'"), in: bytes) }
        reader.at = versionAt
        let version = try body { reader throws(JSONFailure) in try reader.readIntValue(at: "protocolVersion") }
        try ProtocolVersion.require(version)
        if let count = outline.versionCount, count > maxVersions {
            throw ProtocolError(.payloadTooLarge, "a push carries at most \(maxVersions) record versions; this one has \(count): push in smaller batches", limit: limit)
        }
        if let unknown = outline.unknownKey {
            throw problem(.shape("unknown key '\(unknown)'; a push body has only protocolVersion, replica and versions"), in: bytes)
        }
        var replica: ReplicaID?
        if let replicaAt = outline.replica {
            reader.at = replicaAt
            replica = try body { reader throws(JSONFailure) -> ReplicaID? in
                if try reader.peekKind() == .null { return nil }
                let text = try reader.readStringValue(at: "replica")
                do throws(ReplicationError) { return try ReplicaID(text) } catch { throw .shape(error.message, at: "replica") }
            }
        }
        guard let versionsAt = outline.versions else { throw problem(.shape("missing 'versions'"), in: bytes) }
        reader.at = versionsAt
        let entries = try body { reader throws(JSONFailure) in try readEntries(&reader, expected: outline.versionCount ?? 0) }
        return LenientPushRequest(protocolVersion: version, replica: replica, entries: entries)
    }

    /// The elements of `versions`, each a version or the reason it is not one.
    private static func readEntries(_ reader: inout JSONReader, expected: Int) throws(JSONFailure) -> [LenientPushRequest.Entry] {
        let kind = try reader.peekKind()
        guard kind == .array else { throw reader.mismatch(kind, expected: "an array", at: "versions") }
        var entries: [LenientPushRequest.Entry] = []
        entries.reserveCapacity(expected)
        if try reader.beginArray() {
            repeat {
                entries.append(try entry(&reader, index: entries.count))
            } while try reader.nextElement()
        }
        return entries
    }

    private static func entry(_ reader: inout JSONReader, index: Int) throws(JSONFailure) -> LenientPushRequest.Entry {
        do {
            return .valid(try reader.readVersion(strict: true))
        } catch {
            guard error.kind == .shape else { throw error }
            return .invalid(index: index, reason: error.shortMessage)
        }
    }

    /// The error a server answers for a failure of the whole body.
    static func problem(_ failure: JSONFailure, in bytes: UnsafeBufferPointer<UInt8>) -> ProtocolError {
        switch failure.kind {
        case .syntax:
            return ProtocolError(.malformedJSON, "the request body is not valid JSON")
        case .tooDeep:
            // Too deep is well-formed JSON this server will not read, unless the grammar breaks later.
            guard JSONSyntax.isValid(Data(buffer: bytes)) else { return ProtocolError(.malformedJSON, "the request body is not valid JSON") }
            return ProtocolError(.unprocessable, "the request body has the wrong shape: \(failure.message)")
        case .shape:
            return ProtocolError(.unprocessable, "the request body has the wrong shape: \(failure.shortMessage)")
        }
    }

    /// The top level of a push body: where its members' values start, and how many versions it has.
    private struct Outline {
        var protocolVersion: Int?
        var replica: Int?
        var versions: Int?
        var versionCount: Int?
        var unknownKey: String?

        init(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONFailure) {
            var reader = JSONReader(bytes)
            let kind = try reader.peekKind()
            guard kind == .object else {
                try reader.skipValue()
                try reader.expectEnd()
                throw reader.mismatch(kind, expected: "an object", at: "")
            }
            var unknownKey: String?
            if try reader.beginObject() {
                repeat {
                    let key = try reader.readKey()
                    reader.skipSpace()
                    if key.equals("protocolVersion", in: bytes) {
                        if protocolVersion == nil { protocolVersion = reader.at }
                    } else if key.equals("replica", in: bytes) {
                        if replica == nil { replica = reader.at }
                    } else if key.equals("versions", in: bytes) {
                        if versions == nil {
                            versions = reader.at
                            if try reader.peekKind() == .array {
                                versionCount = try Self.countElements(&reader)
                                continue
                            }
                        }
                    } else if unknownKey == nil {
                        unknownKey = key.isValid ? key.name(in: bytes) : "?"
                    }
                    try reader.skipValue()
                } while try reader.nextMember()
            }
            try reader.expectEnd()
            self.unknownKey = unknownKey
        }

        /// Skips the array at the cursor, counting its elements.
        private static func countElements(_ reader: inout JSONReader) throws(JSONFailure) -> Int {
            var count = 0
            if try reader.beginArray() {
                repeat {
                    try reader.skipValue()
                    count += 1
                } while try reader.nextElement()
            }
            return count
        }
    }
}

import Foundation
import RapportMerge
import RapportProtocol

/// Differential: the byte-level codec against the Foundation path it replaced, on the same bytes.
///
/// As a push body: both must accept or refuse it with the same error code, and when accepted give
/// the same entries (valid versions equal, invalid ones at the same indices). As a record version:
/// both must accept or refuse it, agree on the value, and each must read what the other writes.
/// Messages may differ where the codec names a problem Foundation mislabels (a lone surrogate).
enum CodecHarness {
    static func run(_ data: Data) {
        comparePush(data)
        compareVersion(data)
    }

    private static func comparePush(_ data: Data) {
        let old: Result<LenientPushRequest, ProtocolError>
        do {
            let header = try WireCoding.decode(VersionHeader.self, from: data)
            try ProtocolVersion.require(header.protocolVersion)
            if let count = header.versionCount, count > 10_000 { throw ProtocolError(.payloadTooLarge, "", limit: 0) }
            old = .success(try WireCoding.decode(LenientPushRequest.self, from: data))
        } catch let error as ProtocolError {
            old = .failure(error)
        } catch {
            Fuzzing.require(false, "the Foundation path threw \(error)")
            return
        }
        let new: Result<LenientPushRequest, ProtocolError>
        do { new = .success(try WireCoding.decodePush(data, maxVersions: 10_000, limit: 0)) } catch { new = .failure(error) }
        switch (old, new) {
        case (.failure(let a), .failure(let b)) where b.code == .malformedJSON && !JSONSyntax.isValid(data):
            // Not RFC 8259 JSON (e.g. a raw control character inside a string, which Foundation only
            // notices if it decodes that string): the codec refuses the whole body as malformed,
            // Foundation may first trip over the shape of something before it. Both refuse it.
            _ = a
        case (.failure(let a), .failure(let b)):
            Fuzzing.require(a.code == b.code, "push refused as \(a.code) by Foundation, \(b.code) by the codec: \(a.message) | \(b.message)")
        case (.success(let a), .success(let b)):
            Fuzzing.require(a.protocolVersion == b.protocolVersion && a.replica == b.replica && a.entries.count == b.entries.count,
                            "push envelopes differ")
            for (x, y) in zip(a.entries, b.entries) {
                switch (x, y) {
                case (.valid(let v), .valid(let w)): Fuzzing.require(v == w, "a pushed version reads differently")
                case (.invalid(let i, _), .invalid(let j, _)): Fuzzing.require(i == j, "invalid entries at different indices")
                default: Fuzzing.require(false, "one path accepts an element the other rejects: \(x) | \(y)")
                }
            }
        case (.success, .failure(let b)) where b.code == .malformedJSON && !JSONSyntax.isValid(data):
            // Foundation accepts some text RFC 8259 does not (`[1,]`, a byte order mark); the codec is strict.
            break
        default:
            Fuzzing.require(false, "one path accepts the push body, the other refuses it: \(old) | \(new)")
        }
    }

    private static func compareVersion(_ data: Data) {
        let old = try? WireCoding.decoder().decode(RecordVersion.self, from: data)
        let new = try? WireCoding.decodeVersion(data)
        Fuzzing.require(old == new || (new == nil && !JSONSyntax.isValid(data)), "a record version reads differently: \(String(describing: old)) | \(String(describing: new))")
        guard let version = new else { return }
        let written = WireCoding.encode(version)
        Fuzzing.require((try? WireCoding.decoder().decode(RecordVersion.self, from: Data(written))) == version, "Foundation does not read the codec's JSON back")
        Fuzzing.require((try? WireCoding.decodeVersion(written)) == version, "the codec does not read its own JSON back")
    }
}

import Foundation
import RapportMerge
@testable import RapportProtocol

/// Random record versions for the differential tests: the awkward corners of JSON on purpose.
struct RandomVersions {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    mutating func string(allowHuge: Bool = true) -> String {
        let pieces = ["a", "Acme", "é", "中文", "😀", "👩‍👩‍👧", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}",
                      "\u{2028}", "\u{FFFF}", "\u{10FFFF}", " ", "<script>", "'", "\u{D7FF}", "\u{E000}"]
        if allowHuge, int(0...200) == 0 { return String(repeating: "x😀\"", count: 100_000 / 7) }
        return (0..<int(0...12)).map { _ in pieces[int(0...(pieces.count - 1))] }.joined()
    }

    mutating func number() -> Double {
        switch int(0...9) {
        case 0: return [0, -0.0, 9_007_199_254_740_992, -9_007_199_254_740_992, 9_007_199_254_740_993, 1e-300, 1e300, 5e-324,
                        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.1, 1e21, 1e16, 123_456.789][int(0...13)]
        case 1, 2: return Double(int(-1_000_000...1_000_000))
        case 3: return Double(int(-1_000_000...1_000_000)) / 100
        default:
            var value = Double(bitPattern: random.next())
            while !value.isFinite { value = Double(bitPattern: random.next()) }
            return value
        }
    }

    mutating func value() -> FieldValue {
        switch int(0...4) {
        case 0: return .null
        case 1: return .bool(int(0...1) == 1)
        case 2: return .of(number())
        default: return .string(string())
        }
    }

    mutating func stamp(_ replicas: [ReplicaID]) -> Stamp {
        Stamp(hlc: HLCTimestamp(wallMillis: Int64(int(0...999_999_999_999_999)), counter: UInt32(truncatingIfNeeded: random.next())),
              replica: replicas[int(0...(replicas.count - 1))])
    }

    mutating func version() -> RecordVersion {
        let replicaCount = int(0...100) == 0 ? 5_000 : int(1...4)
        let replicas = (0..<replicaCount).map { _ in ReplicaID(bits: random.next()) }
        var entries: [ReplicaID: UInt64] = [:]
        for replica in replicas { entries[replica] = int(0...3) == 0 ? random.next() : UInt64(int(1...50)) }
        var fields: [String: Stamped<FieldValue>] = [:]
        for _ in 0..<int(0...8) {
            fields[string(allowHuge: false)] = Stamped(value(), stamp: stamp(replicas), dot: UInt64(int(1...50)))
        }
        return RecordVersion(entity: string(allowHuge: false), id: string(), clock: VectorClock(entries), fields: fields,
                             deleted: Stamped(int(0...1) == 1, stamp: stamp(replicas), dot: random.next()))
    }
}

/// The push path as the server ran it before the codec: `VersionHeader`, then `LenientPushRequest`,
/// both through Foundation. The reference the new single pass is held to.
enum FoundationPush {
    static func decode(_ data: Data, maxVersions: Int = 10_000, limit: Int = 1 << 20) -> Result<LenientPushRequest, ProtocolError> {
        do throws(ProtocolError) {
            let header = try WireCoding.decode(VersionHeader.self, from: data)
            try ProtocolVersion.require(header.protocolVersion)
            if let count = header.versionCount, count > maxVersions {
                throw ProtocolError(.payloadTooLarge, "a push carries at most \(maxVersions) record versions; this one has \(count): push in smaller batches", limit: limit)
            }
            return .success(try WireCoding.decode(LenientPushRequest.self, from: data))
        } catch {
            return .failure(error)
        }
    }

    static func codec(_ data: Data, maxVersions: Int = 10_000, limit: Int = 1 << 20) -> Result<LenientPushRequest, ProtocolError> {
        do throws(ProtocolError) {
            return .success(try WireCoding.decodePush(data, maxVersions: maxVersions, limit: limit))
        } catch {
            return .failure(error)
        }
    }
}

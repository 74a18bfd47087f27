import ArgumentParser
import Foundation
import RapportMerge
import RapportModel
import RapportProtocol
import RapportStore

/// What JSON costs per record version on the wire, to see where sync time goes.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec", abstract: "Wire codec and Foundation JSON encode/decode of record versions and push bodies, and the store's receive checks, per record.")

    @Option(help: "Record versions.") var records = 20_000
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let replica = ReplicaID.random()
        var clock = HybridLogicalClock()
        let versions = (0..<records).map { i in
            RecordVersion.create(entity: "account", id: "acct-\(i)",
                                 fields: Account(id: "", name: "Account \(i)", segment: "smb", arr: Double(i), owner: "csm").fieldValues,
                                 stamp: Stamp(hlc: clock.tick(now: Int64(Date().timeIntervalSince1970 * 1000)), replica: replica))
        }
        let encoder = WireCoding.encoder(), decoder = WireCoding.decoder()
        var blobs: [Data] = []
        let foundationEncode = try time { blobs = try versions.map { try encoder.encode($0) } }
        let foundationDecode = try time { for blob in blobs { _ = try decoder.decode(RecordVersion.self, from: blob) } }
        let page = try encoder.encode(PushRequest(protocolVersion: 1, replica: replica, versions: versions))
        let foundationPush = try time {
            _ = try decoder.decode(VersionHeader.self, from: page)
            _ = try decoder.decode(LenientPushRequest.self, from: page)
        }
        var encoded: [[UInt8]] = []
        let codecEncode = time { encoded = versions.map { WireCoding.encode($0) } }
        let codecDecode = try time { for bytes in encoded { _ = try WireCoding.decodeVersion(bytes) } }
        let codecPush = try time { _ = try WireCoding.decodePush(page, maxVersions: .max, limit: .max) }
        let checkSeconds = time {
            for version in versions { _ = ReplicaCore.problem(with: version, clock: HybridLogicalClock(), now: Int64(Date().timeIntervalSince1970 * 1000)) }
        }
        let n = Double(records)
        printFigures([
            ("records", n),
            ("encode_us_per_record", codecEncode / n * 1e6),
            ("decode_us_per_record", codecDecode / n * 1e6),
            ("push_body_decode_us_per_record", codecPush / n * 1e6),
            ("foundation_encode_us_per_record", foundationEncode / n * 1e6),
            ("foundation_decode_us_per_record", foundationDecode / n * 1e6),
            ("foundation_push_body_decode_us_per_record", foundationPush / n * 1e6),
            ("receive_checks_us_per_record", checkSeconds / n * 1e6),
            ("bytes_per_version", Double(encoded.reduce(0) { $0 + $1.count }) / n),
            ("foundation_bytes_per_version", Double(blobs.reduce(0) { $0 + $1.count }) / n),
        ], json: json)
    }
}

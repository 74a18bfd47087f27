import ArgumentParser
import Foundation
import RapportMerge
import RapportModel
import RapportProtocol
import RapportStore

/// What JSON costs per record version on the wire, to see where sync time goes.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec", abstract: "Foundation JSON encode/decode of record versions, and the store's receive checks, per record.")

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
        let encodeSeconds = try time { blobs = try versions.map { try encoder.encode($0) } }
        let decodeSeconds = try time { for blob in blobs { _ = try decoder.decode(RecordVersion.self, from: blob) } }
        let page = try encoder.encode(PushRequest(protocolVersion: 1, replica: replica, versions: versions))
        let lenientSeconds = try time { _ = try decoder.decode(LenientPushRequest.self, from: page) }
        let checkSeconds = time {
            for version in versions { _ = ReplicaCore.problem(with: version, clock: HybridLogicalClock(), now: Int64(Date().timeIntervalSince1970 * 1000)) }
        }
        let n = Double(records)
        printFigures([
            ("records", n),
            ("encode_us_per_record", encodeSeconds / n * 1e6),
            ("decode_us_per_record", decodeSeconds / n * 1e6),
            ("push_body_decode_us_per_record", lenientSeconds / n * 1e6),
            ("receive_checks_us_per_record", checkSeconds / n * 1e6),
            ("bytes_per_version", Double(blobs.reduce(0) { $0 + $1.count }) / n),
        ], json: json)
    }
}

import Foundation
import RapportMerge
import RapportProtocol

extension PushRun {
    /// The `PushRequest` JSON around a batch of already encoded versions.
    ///
    /// Built around `WireCoding.pushEnvelope` so each version is encoded once, and a batch's size is known exactly before
    /// it is sent; the result decodes as a `PushRequest` (the client tests check that).
    struct Envelope {
        let prefix: [UInt8]
        let suffix: [UInt8]

        init(replica: ReplicaID) {
            (prefix, suffix) = WireCoding.pushEnvelope(replica: replica)
        }

        /// Bytes of the body besides the versions and the commas between them.
        var overhead: Int { prefix.count + suffix.count }

        func body(_ versions: [[UInt8]]) -> Data {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(overhead + versions.reduce(versions.count) { $0 + $1.count })
            bytes.append(contentsOf: prefix)
            for (index, version) in versions.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: version)
            }
            bytes.append(contentsOf: suffix)
            return Data(bytes)
        }
    }
}

import Foundation
import RapportMerge
import RapportProtocol

extension PushRun {
    /// The `PushRequest` JSON around a batch of already encoded versions.
    ///
    /// Built by hand so each version is encoded once, and a batch's size is known exactly before
    /// it is sent; the result decodes as a `PushRequest` (the client tests check that).
    struct Envelope {
        let prefix: Data
        let suffix = Data("]}".utf8)

        init(replica: ReplicaID) throws {
            let replicaJSON = try WireCoding.encoder().encode(replica)
            prefix = Data("{\"protocolVersion\":\(ProtocolVersion.current),\"replica\":".utf8) + replicaJSON + Data(",\"versions\":[".utf8)
        }

        /// Bytes of the body besides the versions and the commas between them.
        var overhead: Int { prefix.count + suffix.count }

        func body(_ versions: [Data]) -> Data {
            var data = Data(capacity: overhead + versions.reduce(versions.count) { $0 + $1.count })
            data.append(prefix)
            for (index, version) in versions.enumerated() {
                if index > 0 { data.append(UInt8(ascii: ",")) }
                data.append(version)
            }
            data.append(suffix)
            return data
        }
    }
}

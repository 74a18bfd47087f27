import Foundation
import RapportMerge
import RapportModel
import RapportStore
import Testing

/// The version metadata kept beside each row: whatever a replica accepts, it must read back.
@Suite final class VersionCodecTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("VersionCodecTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    @Test("a record whose clock names thousands of replicas is stored and reads back, before and after reopening")
    func manyReplicasReadBack() throws {
        let writer = try ReplicaID("00000000000000aa")
        let stamp = Stamp(hlc: HLCTimestamp(wallMillis: 1_764_000_000_000), replica: writer)
        var version = RecordVersion.create(entity: "account", id: "acct-1", fields: [
            "name": .string("Initech"), "segment": .string("smb"), "arr": .number(1200), "renewalDate": .null, "owner": .string("sam"),
        ], stamp: stamp)
        // Replicas that once wrote the record: every laptop and phone of a team over the years.
        var entries = version.clock.entries
        for bits in UInt64(1)...5000 { entries[ReplicaID(bits: bits << 16)] = 1 }
        version.clock = VectorClock(entries)

        let path = directory.appendingPathComponent("replica.rapport").path
        let store = try Store.create(at: path, wallClock: WallClock { Date(timeIntervalSince1970: 1_764_000_100) })
        #expect(try store.apply([version]).inserted == 1)
        #expect(try store.version(entity: "account", id: "acct-1") == version)
        #expect(try Store.open(at: path).version(entity: "account", id: "acct-1") == version)
    }
}

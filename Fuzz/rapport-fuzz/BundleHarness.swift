import Foundation
import RapportMerge
import RapportStore

/// What `rapport import` does with a file (decode, check the format, `Store.apply`), then what the
/// next laptop does with this replica's `rapport export`.
enum BundleHarness {
    static func run(_ data: Data) {
        guard let bundle = try? ReplicaBundle(reading: data) else { return }
        let store = Fuzzing.replica()
        let first = Fuzzing.mustNotThrow("importing a bundle") { try store.apply(bundle.versions) }
        Fuzzing.require(first.outcomes.count == bundle.versions.count, "\(bundle.versions.count) versions got \(first.outcomes.count) outcomes")
        // The import command's promise: importing twice changes nothing.
        let second = Fuzzing.mustNotThrow("importing a bundle again") { try store.apply(bundle.versions) }
        Fuzzing.require(second.inserted == 0 && second.updated == 0 && second.conflicts == 0,
                        "the same bundle imported twice changed the replica: \(second)")
        Fuzzing.require(second.rejected == first.rejected, "the same bundle was refused differently the second time")
        // What the command prints must be buildable from the report.
        for case .rejected(let reason, let message) in first.outcomes {
            Fuzzing.require(!reason.isEmpty && !message.isEmpty, "a refusal without a reason or message")
        }

        // Carried on: this replica's export imports on another laptop and gives the same records.
        guard first.inserted + first.updated > 0 else { return }
        let (exported, versions) = Fuzzing.mustNotThrow("exporting") { () throws -> (Data, [RecordVersion]) in
            let info = try store.info()
            let changes = try store.exportChanges()
            let bundle = ReplicaBundle(replica: info.replicaID.rawValue, name: info.name, nextSince: changes.nextSince, versions: changes.versions)
            return (try JSONEncoder().encode(bundle), try store.allVersions())
        }
        let carried = Fuzzing.mustNotThrow("reading an export back") { try ReplicaBundle(reading: exported) }
        let other = Fuzzing.replica()
        let report = Fuzzing.mustNotThrow("importing an export") { try other.apply(carried.versions) }
        Fuzzing.require(report.rejected == 0, "another replica refused this replica's export: \(report.outcomes)")
        let received = Fuzzing.mustNotThrow("reading the other replica") { try other.allVersions() }
        Fuzzing.require(Set(received) == Set(versions), "an export imported elsewhere gives other records")
    }
}

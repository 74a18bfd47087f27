import Foundation
import RapportMerge
import RapportProtocol
import RapportStore

/// What `SyncController.push` does with a body, minus HTTP: version header first, then the
/// lenient batch, then `ServerStore.push`, which checks every version before merging it.
enum PushHarness {
    static func run(_ data: Data) {
        guard let header = try? WireCoding.decode(VersionHeader.self, from: data),
              (try? ProtocolVersion.require(header.protocolVersion)) != nil,
              let batch = try? WireCoding.decode(LenientPushRequest.self, from: data)
        else { return }
        var valid: [(index: Int, version: RecordVersion)] = []
        for (index, entry) in batch.entries.enumerated() {
            switch entry {
            case .valid(let version): valid.append((index, version))
            case .invalid(let at, let reason):
                Fuzzing.require(at == index, "entry \(index) says it is at \(at)")
                Fuzzing.require(!reason.isEmpty, "entry \(index) is invalid without a reason")
            }
        }
        guard !valid.isEmpty else { return }
        let versions = valid.map(\.version)
        let store = Fuzzing.server()
        let first = Fuzzing.mustNotThrow("the first push") { try store.push(workspace: "fuzz", versions: versions, now: Fuzzing.now) }
        Fuzzing.require(first.count == versions.count, "\(versions.count) versions got \(first.count) outcomes")

        // The same push again (a client retrying after a lost answer) must change nothing.
        let second = Fuzzing.mustNotThrow("the repeated push") { try store.push(workspace: "fuzz", versions: versions, now: Fuzzing.now) }
        for (index, (before, again)) in zip(first, second).enumerated() {
            switch (before, again) {
            case (.rejected, .rejected): Fuzzing.require(before == again, "version \(index) was refused differently the second time")
            case (.rejected, _), (_, .rejected): Fuzzing.require(false, "version \(index): \(before) first, \(again) when pushed again")
            case (_, .stale): break
            default: Fuzzing.require(false, "version \(index) changed the store when pushed again: \(again)")
            }
        }

        // What the feed will serve must read back as the protocol types a client decodes.
        let page = Fuzzing.mustNotThrow("reading the feed") { try store.changes(workspace: "fuzz", after: 0, limit: 1000) }
        let decoder = WireCoding.decoder()
        var served: [RecordVersion] = []
        var settled: [Conflict] = []
        for entry in page.entries {
            served.append(Fuzzing.mustNotThrow("decoding a stored version") { try decoder.decode(RecordVersion.self, from: Data(entry.json.utf8)) })
            for conflict in entry.conflicts {
                settled.append(Fuzzing.mustNotThrow("decoding a stored conflict") { try decoder.decode(Conflict.self, from: Data(conflict.utf8)) })
            }
        }
        // Every replica takes what the feed serves, merged versions included: one it refused
        // would keep it apart from the others for good.
        let latest = Fuzzing.mustNotThrow("reading the latest sequence") { try store.latestSequence(workspace: "fuzz") }
        let cursor = Fuzzing.mustNotThrow("making a cursor") { try SyncCursor(epoch: store.epoch, sequence: latest).description }
        let pulled = Fuzzing.mustNotThrow("applying the feed to a replica") { try Fuzzing.replica().apply(served, cursor: cursor, serverConflicts: settled) }
        Fuzzing.require(pulled.rejected == 0, "a replica refused what the server serves: \(pulled.outcomes)")

        // The answer the server sends, built and encoded the way `SyncController` does.
        var results: [PushResult] = []
        for ((index, version), outcome) in zip(valid, first) {
            switch outcome {
            case .accepted(let sequence): results.append(PushResult(index: index, entity: version.entity, id: version.id, status: .accepted, sequence: sequence))
            case .stale(let sequence): results.append(PushResult(index: index, entity: version.entity, id: version.id, status: .stale, sequence: sequence))
            case .merged(let sequence, let conflicts):
                results.append(PushResult(index: index, entity: version.entity, id: version.id, status: .merged, sequence: sequence, conflicts: conflicts.count))
            case .rejected(let reason, let message): results.append(.rejected(index: index, reason: reason, message: message))
            }
        }
        Fuzzing.mustNotThrow("encoding the push response") {
            let response = PushResponse(results: results, cursor: try SyncCursor(epoch: store.epoch, sequence: latest))
            _ = try WireCoding.decoder().decode(PushResponse.self, from: try WireCoding.encoder().encode(response))
        }
    }
}

import Foundation
import RapportMerge
import RapportProtocol
import RapportServerCore
import RapportStore

/// A push body as the server reads it: the real `SyncService.push` (version header, lenient batch,
/// per-element checks, merge under the feed sequence), then the same body again, then the feed
/// read back as a client decodes it and applied by a fresh replica.
enum PushHarness {
    static func run(_ data: Data) {
        let store = Fuzzing.server()
        let service = SyncService(storage: store)
        let first: SyncService.PushAnswer
        do {
            first = try service.push(workspace: "fuzz", body: data, limit: 8 << 20, now: Fuzzing.now)
        } catch is ProtocolError {
            // A body refused whole (a 4xx): nothing may have been stored.
            Fuzzing.require(Fuzzing.mustNotThrow("reading the feed head") { try store.latestSequence(workspace: "fuzz") } == 0,
                            "a refused push stored something")
            return
        } catch {
            Fuzzing.require(false, "a push threw something other than a protocol error: \(error)")
            return
        }
        let results = first.response.results
        Fuzzing.require(results.map(\.index) == Array(results.indices), "the results do not answer the elements one by one, in order")

        // The same push again (a client retrying after a lost answer) must change nothing.
        let second = Fuzzing.mustNotThrow("the repeated push") { try service.push(workspace: "fuzz", body: data, limit: 8 << 20, now: Fuzzing.now) }
        for (before, again) in zip(results, second.response.results) {
            if before.status == .rejected {
                Fuzzing.require(again.status == .rejected && again.reason == before.reason, "element \(before.index) was refused differently the second time")
            } else {
                Fuzzing.require(again.status == .stale, "element \(before.index) changed the store when pushed again: \(again.status)")
            }
        }
        Fuzzing.mustNotThrow("encoding the push response") {
            _ = try WireCoding.decoder().decode(PushResponse.self, from: try WireCoding.encoder().encode(first.response))
        }

        // What the feed serves must decode as a client decodes it, and every replica must take it:
        // one it refused would keep it apart from the others for good.
        let page = Fuzzing.mustNotThrow("reading the feed") { try service.changes(workspace: "fuzz", query: ChangesQuery(limit: 1000)) }
        let body = Fuzzing.mustNotThrow("writing the page") { Data(try SyncService.changesBody(page)) }
        let served = Fuzzing.mustNotThrow("decoding the page") { try WireCoding.decode(ChangesResponse.self, from: body) }
        let pulled = Fuzzing.mustNotThrow("applying the feed to a replica") {
            try Fuzzing.replica().apply(served.changes.map(\.version), cursor: served.nextCursor.description,
                                        serverConflicts: served.changes.flatMap { $0.conflicts ?? [] })
        }
        Fuzzing.require(pulled.rejected == 0, "a replica refused what the server serves: \(pulled.outcomes)")
    }
}

import Dispatch
import Foundation
import RapportClient
import RapportMerge
import RapportModel
import RapportProtocol
import RapportStore

/// What a client does with a server's answer: decode it as an error, a push answer or a change
/// page (`SyncAPI.decode`), apply a page like `PullRun` (versions, server conflicts and cursor in
/// one `Store.apply`), and run a whole `SyncSession` against a server that answers with these bytes.
enum PullHarness {
    static func run(_ data: Data) {
        let decoder = WireCoding.decoder()
        let error = try? decoder.decode(ErrorResponse.self, from: data)
        if let error { _ = (error.httpStatus, error.error.errorCode, error.error.message) }
        let pushAnswer = try? decoder.decode(PushResponse.self, from: data)
        let page = try? decoder.decode(ChangesResponse.self, from: data)
        if let page { apply(page) }

        // Whole syncs, each on a fresh replica: a pull only; a push of one record then a pull; and
        // the same with every answer carrying the status of the error this body decodes as.
        if page != nil { sync(data, status: 200, pending: false) }
        if pushAnswer != nil { sync(data, status: 200, pending: true) }
        if let status = error?.httpStatus { sync(data, status: status, pending: true) }
    }

    private static func apply(_ page: ChangesResponse) {
        let store = Fuzzing.replica()
        let versions = page.changes.map(\.version)
        let conflicts = page.changes.flatMap { $0.conflicts ?? [] }
        let cursor = page.nextCursor.description
        let first = Fuzzing.mustNotThrow("applying a page") { try store.apply(versions, cursor: cursor, serverConflicts: conflicts) }
        Fuzzing.require(first.outcomes.count == versions.count, "\(versions.count) versions got \(first.outcomes.count) outcomes")
        // A page received twice (an answer lost after the client applied it) changes nothing.
        let second = Fuzzing.mustNotThrow("applying a page again") { try store.apply(versions, cursor: cursor, serverConflicts: conflicts) }
        Fuzzing.require(second.inserted == 0 && second.updated == 0 && second.conflicts == 0,
                        "the same page applied twice changed the replica: \(second)")
        Fuzzing.require(second.rejected == first.rejected, "the same page was refused differently the second time")
        // Everything stored reads back, as every listing and the next push will read it.
        Fuzzing.mustNotThrow("reading the replica back") {
            let info = try store.info()
            Fuzzing.require(info.cursor == cursor, "the cursor stored is not the page's")
            _ = try store.allVersions()
            _ = try store.conflicts(includeResolved: true)
            _ = try store.rejections()
            _ = try store.pendingChanges()
        }
    }

    private static func sync(_ body: Data, status: Int, pending: Bool) {
        let store = Fuzzing.replica()
        if pending {
            Fuzzing.mustNotThrow("writing a local record") { try store.accounts.create(Account(id: "acct-1", name: "Initech", segment: "smb", arr: 1200)) }
        }
        let session = SyncSession(store: store, transport: Answering(status: status, body: body), workspace: "fuzz",
                                  options: SyncOptions(retry: .none))
        let outcome = blocking { try await session.sync() }
        if case .failure(let error) = outcome {
            Fuzzing.require(error is SyncError, "a sync failed with \(type(of: error)), not a SyncError: \(error)")
        }
        Fuzzing.mustNotThrow("reading the replica after a sync") {
            _ = try store.info()
            _ = try store.allVersions()
            _ = try store.rejections()
        }
    }

    /// Runs async work to completion from libFuzzer's synchronous callback.
    ///
    /// `Task.immediate` starts on this thread and, since the fake transport never suspends, usually
    /// finishes before returning, so no other thread holds allocations when libFuzzer counts them
    /// for its leak check (which otherwise re-runs every input under LeakSanitizer).
    private static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.immediate {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return box.result!
    }
}

/// Carries a result out of a task; the semaphore orders the write before the read.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// A server that answers every request with the same status and body.
private struct Answering: Transport {
    let status: Int
    let body: Data

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        TransportResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }
}

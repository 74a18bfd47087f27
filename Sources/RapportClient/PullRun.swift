import Foundation
import RapportProtocol
import RapportStore

/// The pull half of one sync: fetches change pages from the stored cursor until `hasMore` is false.
///
/// Each page is merged and its `nextCursor` stored in one store transaction (`Store.apply`), so
/// the cursor never runs ahead of the data: a pull interrupted anywhere resumes from the last page
/// applied, and a page applied twice changes nothing.
struct PullRun {
    let store: Store
    let api: SyncAPI
    let options: SyncOptions
    let progress: @Sendable (SyncProgress) -> Void

    func run(into report: inout SyncReport) async throws {
        // A cursor that does not parse (a damaged file) restarts the feed: pulling again is
        // harmless because applying merges, whereas guessing a position could skip changes.
        var cursor = (try? SyncCursor(try await store.perform { try $0.info() }.cursor)) ?? .start
        var check = try await Self.verifyPushes(store: store, api: api)
        var done = 0
        // The next page is requested as soon as a page has arrived, and downloads and decodes
        // while this one is applied; pages are still applied one after another, in feed order.
        var next: Task<(page: ChangesResponse, serverTime: Date?), any Error>? = fetch(after: cursor)
        defer { next?.cancel() }
        while let request = next {
            next = nil
            try SyncAPI.checkCancellation()
            let (page, serverTime) = try await withTaskCancellationHandler {
                try await request.value
            } onCancel: {
                request.cancel()
            }
            let moved = page.nextCursor != cursor && !page.changes.isEmpty
            if page.hasMore, moved { next = fetch(after: page.nextCursor) }
            let workspace = api.workspace
            let applied = try await store.perform { store in
                try store.apply(page.changes.map(\.version), cursor: page.nextCursor.description, workspace: workspace,
                                serverConflicts: page.changes.flatMap { $0.conflicts ?? [] }, serverTime: serverTime)
            }
            report.pages += 1
            report.pulled += page.changes.count
            report.inserted += applied.inserted
            report.updated += applied.updated
            report.stale += applied.stale
            report.conflicts += applied.conflicts
            report.refused += applied.rejected
            report.cursor = page.nextCursor.description
            // The pull cursor now covers the last push: from here on it vouches for that history.
            if let pushed = check, page.nextCursor.epoch == pushed.epoch, page.nextCursor.sequence >= pushed.sequence {
                try await store.perform { try $0.setPushCheck(nil) }
                check = nil
            }
            done += page.changes.count
            progress(SyncProgress(phase: .pulling, done: done))
            guard page.hasMore else { return }
            guard moved else {
                throw SyncError(.invalidResponse, "the server said more changes follow cursor \(cursor) but sent none and did not move the cursor; sync again later")
            }
            cursor = page.nextCursor
        }
    }

    /// Starts fetching the page after `cursor`.
    private func fetch(after cursor: SyncCursor) -> Task<(page: ChangesResponse, serverTime: Date?), any Error> {
        let query = ChangesQuery(since: cursor,
                                 limit: options.pageSize.clamped(to: ChangesQuery.limitRange),
                                 wait: options.wait.clamped(to: ChangesQuery.waitRange))
        return Task { [api] in try await api.changes(query) }
    }
}

extension PullRun {
    /// Asks the server whether the feed position this replica's last acknowledged push reached
    /// (`Store.pushCheck()`) is still in its history. A server restored from an older copy of its
    /// database may have lost that push, and the replica's pull cursor alone cannot tell when it
    /// is older than the restored copy: then this throws `.epochChanged`, and the sync sends
    /// everything again. One small request before a sync pushes and before it pulls, while a
    /// push is not yet covered by the pull cursor.
    /// Returns the verified position; it is cleared once a pulled page's cursor reaches it.
    @discardableResult
    static func verifyPushes(store: Store, api: SyncAPI) async throws -> SyncCursor? {
        guard let check = try await store.perform({ try $0.pushCheck() }).flatMap({ try? SyncCursor($0) }), !check.isStart else { return nil }
        _ = try await api.changes(ChangesQuery(since: check, limit: 1, wait: 0))
        return check
    }
}

extension Int {
    func clamped(to range: ClosedRange<Int>) -> Int { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}

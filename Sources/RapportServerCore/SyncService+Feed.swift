import Foundation
import RapportProtocol
import RapportStore

extension SyncService {
    /// The feed page of `workspace` (already authorized) after `query.since`.
    ///
    /// `cursor_epoch_mismatch` when `since` is from another history of the database: another
    /// epoch, past the end of the feed (a restored older copy), or a sequence another commit wrote
    /// (a restored copy that has handed the sequence out again). Encode it with `changesBody`.
    public func changes(workspace: String, query: ChangesQuery) throws -> ChangeFeedPage {
        let since = FeedPosition(epoch: query.since.epoch, sequence: query.since.sequence, tag: query.since.tag)
        do {
            return try storage.changes(workspace: workspace, since: since, limit: query.limit)
        } catch let error as StoreError where error.code == .historyChanged {
            throw ProtocolError.cursorEpochMismatch(serverEpoch: storage.epoch)
        }
    }

    /// The protocol's cursor for a feed position the storage handed out.
    public static func cursor(_ position: FeedPosition) throws -> SyncCursor {
        guard let epoch = position.epoch else { return .start }
        return try SyncCursor(epoch: epoch, sequence: position.sequence, tag: position.tag)
    }

    /// A `ChangesResponse` written around the stored version JSON, spliced in as is (`ChangePageWriter`).
    public static func changesBody(_ page: ChangeFeedPage) throws -> [UInt8] {
        var writer = ChangePageWriter(epoch: page.next.epoch ?? "", capacity: page.entries.reduce(0) { $0 + $1.json.utf8.count + 40 })
        for entry in page.entries {
            writer.append(sequence: entry.sequence, version: entry.json.utf8, conflicts: entry.conflicts)
        }
        return writer.finish(nextCursor: try cursor(page.next), hasMore: page.hasMore)
    }
}

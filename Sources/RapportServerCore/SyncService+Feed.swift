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

    /// A `ChangesResponse` written around the stored version JSON, which is spliced in as is:
    /// decoding and re-encoding every version would make the hot path several times slower.
    public static func changesBody(_ page: ChangeFeedPage) throws -> [UInt8] {
        let next = try cursor(page.next)
        let epoch = page.next.epoch ?? ""
        var bytes: [UInt8] = []
        bytes.reserveCapacity(page.entries.reduce(160) { $0 + $1.json.utf8.count + 40 })
        func write(_ text: String) { bytes.append(contentsOf: text.utf8) }
        // Epoch and cursor are [A-Za-z0-9:-] by construction, so they need no JSON escaping.
        write("{\"protocolVersion\":\(ProtocolVersion.current),\"epoch\":\"\(epoch)\",\"changes\":[")
        for (position, entry) in page.entries.enumerated() {
            write(position == 0 ? "{\"sequence\":" : ",{\"sequence\":")
            write(String(entry.sequence))
            write(",\"version\":")
            write(entry.json)
            if !entry.conflicts.isEmpty {
                write(",\"conflicts\":[")
                write(entry.conflicts.joined(separator: ","))
                write("]")
            }
            write("}")
        }
        write("],\"nextCursor\":\"\(next)\",\"hasMore\":\(page.hasMore)}")
        return bytes
    }
}

import Foundation
import RapportMerge
import RapportStore

/// What `SyncService` needs from a server database: tokens, workspaces, the merged feed.
///
/// `ServerStore` (SQLite, embedded) and `PostgresStore` (RapportPostgres, several server processes on
/// one database) implement it; the protocol is the seam where a backend plugs in without touching
/// the service or its adapters. Every method is safe to call from any thread, and may block.
public protocol SyncStorage: Sendable {
    /// The current epoch of the database.
    var epoch: String { get }
    func tokenCredential(id: String) throws -> TokenCredential?
    func hasWorkspace(_ name: String) throws -> Bool
    /// Merges several pushes in one transaction and one commit (see `ServerStore.push(_:now:)`):
    /// per batch, an outcome per version in order and the feed head after the commit, or the error
    /// that failed that batch alone. Throws when the commit itself fails (then nothing happened).
    func push(_ batches: [PushBatch], now: Date) throws -> [Result<PushCommit, any Error>]
    /// The page after `since`; `.historyChanged` when `since` is from another history of the database.
    func changes(workspace: String, since: FeedPosition, limit: Int) throws -> ChangeFeedPage
    /// The end of a workspace's feed right now.
    func feedHead(workspace: String) throws -> FeedPosition
    /// The workspace's schema: built-in entities plus its declared fields and entities, which
    /// pushes are checked against. `.notFound` for an unknown workspace.
    func workspaceSchema(_ workspace: String) throws -> ReplicaSchema
    /// Whether reads (token checks, pulls) may run on several threads at once beside pushes. A
    /// backend with one connection says no, and the server sends it one call at a time.
    var allowsConcurrentReads: Bool { get }
    /// Calls `onChange` with a workspace's name whenever another process stored something in it, or
    /// with nil when it may have missed some (wake every waiter). Nil when no other process can
    /// write this database. The observation lasts until `close()`.
    func observeOtherWriters(_ onChange: @escaping @Sendable (String?) -> Void) throws -> Bool
}

extension SyncStorage {
    public var allowsConcurrentReads: Bool { false }
    public func observeOtherWriters(_ onChange: @escaping @Sendable (String?) -> Void) throws -> Bool { false }
}

/// A whole server database: the sync protocol's needs plus what an operator does (`rapport server`
/// workspaces and tokens) and what tests and tools read back.
public protocol ServerDatabase: SyncStorage {
    /// Where the data lives, for messages: a file path, or a PostgreSQL URL without its password.
    var location: String { get }
    /// Creates an empty workspace; `.invalidArgument` for a bad name, `.conflict` if it exists.
    @discardableResult func addWorkspace(_ name: String, now: Date) throws -> WorkspaceInfo
    /// Every workspace with its record count and newest feed position, ordered by name.
    func workspaces() throws -> [WorkspaceInfo]
    /// Stores a new token granting `workspace`; only the hash of its secret is kept.
    @discardableResult func addToken(id: String, workspace: String, label: String, secretHash: String, now: Date) throws -> TokenInfo
    /// Tokens of one workspace (or of all when nil), oldest first; never their secrets or hashes.
    func tokens(workspace: String?) throws -> [TokenInfo]
    /// Adds fields or an entity to a workspace's schema, so that pushes carrying them are accepted;
    /// returns the schema after. `.invalidArgument` (saying what to do instead) for an addition
    /// that does not fit, `.notFound` for an unknown workspace. Declarations only add.
    @discardableResult func declare(_ addition: SchemaAddition, workspace: String, now: Date) throws -> ReplicaSchema
    /// Revokes a token for good; revoking it again keeps the first revocation time.
    @discardableResult func revokeToken(id: String, now: Date) throws -> TokenInfo
    /// Up to `limit` feed entries after sequence `after`, without checking the reader's history.
    func changes(workspace: String, after: Int64, limit: Int) throws -> ChangeFeedPage
    /// The newest sequence of a workspace's feed, 0 when empty; `.notFound` for an unknown workspace.
    func latestSequence(workspace: String) throws -> Int64
    /// Closes the database; every later call fails.
    func close()
    /// Writes the whole database as a server dump (see `ServerDump`), one line per call of `write`,
    /// and returns the counts of its rows.
    ///
    /// Everything comes from one read snapshot, so servers may keep running on the database and
    /// the dump holds each push whole or not at all; records are read a page at a time, so memory
    /// stays small whatever the database's size. An error `write` throws ends the export and is
    /// rethrown as it was.
    @discardableResult func exportDump(to write: ([UInt8]) throws -> Void) throws -> ServerDumpSummary
    /// Loads a server dump into this database, which must hold no workspace, in one transaction.
    ///
    /// Afterwards the epoch, workspaces (with their next sequences), tokens, records (byte for
    /// byte), settled conflicts and push-commit tags are the dump's, so a cursor any client got from
    /// the exported database is valid here, and nobody resyncs. Refuses with `.conflict` a database
    /// that already has a workspace, and with `.invalidData` (naming the line) a dump that is
    /// damaged, of another version, or cut short: a refused import changes nothing.
    @discardableResult func importDump(from reader: ServerDumpReader) throws -> ServerDumpSummary
}

extension ServerDatabase {
    @discardableResult public func addWorkspace(_ name: String) throws -> WorkspaceInfo { try addWorkspace(name, now: Date()) }

    @discardableResult
    public func addToken(id: String, workspace: String, label: String, secretHash: String) throws -> TokenInfo {
        try addToken(id: id, workspace: workspace, label: label, secretHash: secretHash, now: Date())
    }

    public func tokens() throws -> [TokenInfo] { try tokens(workspace: nil) }

    @discardableResult public func revokeToken(id: String) throws -> TokenInfo { try revokeToken(id: id, now: Date()) }

    /// One push into one workspace (see `push(_:now:)`).
    public func push(workspace: String, versions: [RecordVersion], now: Date = Date()) throws -> [ServerPushOutcome] {
        try push([PushBatch(workspace: workspace, versions: versions)], now: now)[0].get().outcomes
    }
}

extension ServerStore: ServerDatabase {
    public var location: String { path }
}

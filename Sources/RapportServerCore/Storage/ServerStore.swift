import Foundation
import RapportStore

/// The sync server's database: its epoch, workspaces, bearer tokens (hashed) and the merged
/// version of every record pushed to each workspace, numbered by a per-workspace change feed.
///
/// Thread-safe: calls are serialized on one connection. The file is a different kind of database
/// from a replica (its own application id), so neither can be opened as the other. The **epoch** is
/// created once with the file; a replaced or restored file has another one, which is how clients
/// learn that their cursors no longer mean anything. Nothing here logs or echoes record values,
/// token secrets or hashes.
public final class ServerStore: @unchecked Sendable {
    // The lock is the only way to `db`; that is what makes the unchecked Sendable sound.
    private let lock = NSLock()
    private let db: Database
    public let path: String
    /// The epoch read when the file was opened, answered if the file cannot be read any more.
    private let openedEpoch: String

    /// Names this life of the database: 1…64 characters of `[A-Za-z0-9-]`.
    ///
    /// Read from the file on every use, because `restore(from:to:)` gives a running server's file a
    /// new one; the feed reads it in the same transaction as the page (`changes(workspace:since:limit:)`).
    public var epoch: String { (try? withDatabase { try Self.readEpoch($0) }) ?? openedEpoch }

    /// The SQL of a feed page, kept in one place so the index test checks the query pulls really run.
    static let feedSQL = "SELECT sequence, version FROM record WHERE workspace = ? AND sequence > ? ORDER BY sequence LIMIT ?"

    init(path: String, create: Bool) throws {
        let db = try Database(path: path, create: create)
        try Migrator(applicationID: ServerMigrations.applicationID, migrations: ServerMigrations.all).prepare(db)
        // A push the server acknowledges leaves the client's outbox for good, so the commit must
        // survive power loss too, not only a killed process: FULL syncs the WAL on every commit.
        try db.execute("PRAGMA synchronous = FULL")
        self.openedEpoch = try db.inTransaction(.immediate) {
            let select = try db.prepare("SELECT epoch FROM _server")
            if try select.step(), let epoch = select.string(0) { return epoch }
            select.reset()
            let epoch = UUID().uuidString.lowercased()
            let insert = try db.prepare("INSERT INTO _server (singleton, epoch, created_at) VALUES (1, ?, ?)")
            try insert.bind(epoch, at: 1)
            try insert.bind(Self.millis(Date()), at: 2)
            try insert.run()
            return epoch
        }
        self.db = db
        self.path = path
    }

    /// Opens the server database at `path`; with `create`, an absent file is created (with a new epoch).
    ///
    /// Refuses, without modifying it, a file that is not a Rapport server database (a replica included).
    public static func open(at path: String, create: Bool = false) throws -> ServerStore {
        try ServerStore(path: path, create: create)
    }

    deinit { db.close() }

    /// Closes the connection now; every later call fails. For handing the file to another tool
    /// (a copy, a restore) while this object may still be referenced.
    public func close() {
        withDatabase { $0.close() }
    }

    static func readEpoch(_ db: Database) throws -> String {
        let statement = try db.cachedStatement("SELECT epoch FROM _server")
        defer { statement.reset() }
        guard try statement.step(), let epoch = statement.string(0) else {
            throw StoreError(code: .corruptDatabase, message: "the server database \(db.path) has no epoch")
        }
        return epoch
    }

    func withDatabase<T>(_ body: (Database) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(db)
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    // MARK: workspaces

    /// Whether `name` can be a workspace: 1…64 characters of `A-Z`, `a-z`, `0-9`, `_` and `-`.
    ///
    /// The set is small so a name is safe in a URL path, a log line and a shell without quoting.
    public static func isValidWorkspaceName(_ name: String) -> Bool {
        let bytes = name.utf8
        return (1...64).contains(bytes.count) && bytes.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95
        }
    }

    /// Creates an empty workspace; `.invalidArgument` for a bad name, `.conflict` if it exists.
    @discardableResult
    public func addWorkspace(_ name: String, now: Date) throws -> WorkspaceInfo {
        guard Self.isValidWorkspaceName(name) else {
            throw StoreError(code: .invalidArgument, message: "a workspace name is 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'")
        }
        return try withDatabase { db in
            try db.inTransaction(.immediate) {
                let statement = try db.cachedStatement("INSERT INTO workspace (name, next_sequence, created_at) VALUES (?, 1, ?)")
                try statement.bind(name, at: 1)
                try statement.bind(Self.millis(now), at: 2)
                do { try statement.run() } catch let error as StoreError where error.code == .constraint {
                    throw StoreError(code: .conflict, message: "workspace '\(name)' already exists; `workspace list` shows them")
                }
                return WorkspaceInfo(name: name, records: 0, latestSequence: 0, createdAt: Self.date(Self.millis(now)))
            }
        }
    }

    /// Every workspace with its record count and newest feed position, ordered by name.
    public func workspaces() throws -> [WorkspaceInfo] {
        try withDatabase { db in
            try db.inTransaction(.deferred) {
                let statement = try db.cachedStatement("""
                    SELECT name, next_sequence, created_at, (SELECT count(*) FROM record WHERE record.workspace = workspace.name)
                    FROM workspace ORDER BY name
                    """)
                defer { statement.reset() }
                var result: [WorkspaceInfo] = []
                while try statement.step() {
                    result.append(WorkspaceInfo(name: statement.string(0) ?? "", records: Int(statement.int64(3)),
                                                latestSequence: statement.int64(1) - 1, createdAt: Self.date(statement.int64(2))))
                }
                return result
            }
        }
    }

    /// Whether a workspace called `name` exists.
    public func hasWorkspace(_ name: String) throws -> Bool {
        try withDatabase { db in try Self.nextSequence(db, workspace: name) != nil }
    }

    /// The next sequence the workspace will hand out, or nil when there is no such workspace.
    static func nextSequence(_ db: Database, workspace: String) throws -> Int64? {
        let statement = try db.cachedStatement("SELECT next_sequence FROM workspace WHERE name = ?")
        try statement.bind(workspace, at: 1)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(0) : nil
    }

    static func requireNextSequence(_ db: Database, workspace: String) throws -> Int64 {
        guard let next = try nextSequence(db, workspace: workspace) else {
            throw StoreError(code: .notFound, message: "no workspace '\(workspace.prefix(64))'; `workspace list` shows them")
        }
        return next
    }

    // MARK: tokens

    /// Whether `id` can be a token id: 1…64 characters of `[A-Za-z0-9]`, so it can sit between the
    /// underscores of a secret.
    public static func isValidTokenID(_ id: String) -> Bool {
        let bytes = id.utf8
        return (1...64).contains(bytes.count) && bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
    }

    /// Stores a new token granting `workspace`; only the hash of its secret is kept.
    ///
    /// The id comes from the caller because the secret embeds it (`TokenSecrets.generate()` makes
    /// both); `.conflict` if it is taken, `.notFound` for an unknown workspace.
    @discardableResult
    public func addToken(id: String, workspace: String, label: String, secretHash: String, now: Date) throws -> TokenInfo {
        guard Self.isValidTokenID(id) else {
            throw StoreError(code: .invalidArgument, message: "a token id is 1 to 64 characters of A-Z, a-z and 0-9")
        }
        guard label.count <= 200 else {
            throw StoreError(code: .invalidArgument, message: "a token label is at most 200 characters")
        }
        return try withDatabase { db in
            try db.inTransaction(.immediate) {
                _ = try Self.requireNextSequence(db, workspace: workspace)
                let statement = try db.cachedStatement("""
                    INSERT INTO token (id, workspace, label, secret_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)
                    """)
                try statement.bind(id, at: 1)
                try statement.bind(workspace, at: 2)
                try statement.bind(label, at: 3)
                try statement.bind(secretHash, at: 4)
                try statement.bind(Self.millis(now), at: 5)
                do { try statement.run() } catch let error as StoreError where error.code == .constraint {
                    throw StoreError(code: .conflict, message: "token id \(id) is already taken; generate another")
                }
                return TokenInfo(id: id, workspace: workspace, label: label, createdAt: Self.date(Self.millis(now)), revokedAt: nil)
            }
        }
    }

    /// Tokens of one workspace (or of all when nil), oldest first; never their secrets or hashes.
    public func tokens(workspace: String?) throws -> [TokenInfo] {
        try withDatabase { db in
            try db.inTransaction(.deferred) {
                if let workspace { _ = try Self.requireNextSequence(db, workspace: workspace) }
                let statement = try db.cachedStatement("""
                    SELECT id, workspace, label, created_at, revoked_at FROM token
                    WHERE ?1 IS NULL OR workspace = ?1 ORDER BY created_at, id
                    """)
                try statement.bind(workspace, at: 1)
                defer { statement.reset() }
                var result: [TokenInfo] = []
                while try statement.step() { result.append(Self.tokenInfo(statement)) }
                return result
            }
        }
    }

    /// Revokes a token for good; revoking it again keeps the first revocation time.
    @discardableResult
    public func revokeToken(id: String, now: Date) throws -> TokenInfo {
        try withDatabase { db in
            try db.inTransaction(.immediate) {
                let update = try db.cachedStatement("UPDATE token SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")
                try update.bind(Self.millis(now), at: 1)
                try update.bind(id, at: 2)
                try update.run()
                let select = try db.cachedStatement("SELECT id, workspace, label, created_at, revoked_at FROM token WHERE id = ?")
                try select.bind(id, at: 1)
                defer { select.reset() }
                guard try select.step() else {
                    throw StoreError(code: .notFound, message: "no token \(id.prefix(64)); `token list` shows them")
                }
                return Self.tokenInfo(select)
            }
        }
    }

    /// The workspace, secret hash and revocation state of a token, or nil for an unknown id.
    public func tokenCredential(id: String) throws -> TokenCredential? {
        try withDatabase { db in
            let statement = try db.cachedStatement("SELECT workspace, secret_hash, revoked_at FROM token WHERE id = ?")
            try statement.bind(id, at: 1)
            defer { statement.reset() }
            guard try statement.step() else { return nil }
            return TokenCredential(workspace: statement.string(0) ?? "", secretHash: statement.string(1) ?? "", isRevoked: !statement.isNull(2))
        }
    }

    private static func tokenInfo(_ statement: Statement) -> TokenInfo {
        TokenInfo(id: statement.string(0) ?? "", workspace: statement.string(1) ?? "", label: statement.string(2) ?? "",
                  createdAt: date(statement.int64(3)), revokedAt: statement.isNull(4) ? nil : date(statement.int64(4)))
    }
}

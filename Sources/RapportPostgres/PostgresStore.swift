import Foundation
import Logging
import PostgresNIO
import RapportMerge
import RapportProtocol
import RapportServerCore
import RapportStore

/// The sync server's database on PostgreSQL: the same workspaces, hashed tokens, change feeds,
/// merged records, settled conflicts and epoch as `ServerStore`, shared by several `rapport serve`
/// processes at once, none of which holds state the others need.
///
/// **A feed with no visible gaps.** Sequences are numbered under the workspace's row lock: a push
/// takes `workspace` FOR UPDATE before it reads or numbers anything, and holds it until its commit.
/// So two pushes into one workspace commit in sequence order, and a reader's snapshot always holds
/// a prefix of the feed: a cursor can never move past a sequence that commits later. (The other
/// design, a PostgreSQL sequence plus serving only below `pg_snapshot_xmin`, lets pushes overlap but
/// makes every pull wait for the slowest open push; a workspace is one team's data, where pushes are
/// small and the row lock costs little, and the merge needs the stored record under a lock anyway.)
/// Pushes into different workspaces do not wait for each other.
///
/// **Faults.** A transaction that fails for a transient reason (connection lost, PostgreSQL
/// restarting, serialization failure, deadlock) is rolled back by PostgreSQL and retried here on a
/// fresh connection; after `attempts` it throws `.busy`, which the server answers 503 with
/// `Retry-After`. A push is one transaction, so it is never half-applied, and merging the same
/// versions again is a no-op, so a client retrying a push whose answer was lost converges.
public final class PostgresStore: ServerDatabase, @unchecked Sendable {
    public let location: String
    public let schema: String
    let pool: PostgresPool
    private let logger: Logger
    /// How many times a transaction is tried before `.busy`.
    public static let attempts = 4
    /// How long one statement may take before its connection is given up (see `run`).
    let statementTimeout: TimeAmount
    /// The NOTIFY channel of this schema's feed changes.
    let channel: String
    /// This store's connections' `application_name`, unique per store: an operator (or a test)
    /// tells server processes apart in `pg_stat_activity` by it.
    public let applicationName: String

    // `hookLock` guards the vars below: what makes the unchecked Sendable sound for them.
    private let hookLock = NSLock()
    private var willCommitPush: (@Sendable ([String]) -> Void)?
    private var listener: ChangeListener?
    private var knownEpoch: String

    /// The epoch as last read from the database: at open, and again whenever a feed read or an
    /// import sees it, since an import (`importDump(from:)`) replaces it. Feed reads and pushes never
    /// rely on this copy: they read the epoch in their own transaction.
    public var epoch: String { hookLock.withLock { knownEpoch } }

    func noteEpoch(_ epoch: String) {
        hookLock.withLock { knownEpoch = epoch }
    }

    /// Opens (migrating if needed) the Rapport server schema in the database at `url`
    /// (see `PostgresLocation`); `maximumConnections` bounds this process's pool.
    /// `statementTimeout` bounds each statement (seconds); a push of 20,000 versions takes well under one.
    public static func open(url: String, maximumConnections: Int = 8, statementTimeout: Int = 30,
                            logger: Logger = Logger(label: "rapport.postgres")) throws -> PostgresStore {
        try PostgresStore(location: PostgresLocation(url: url), maximumConnections: maximumConnections,
                          statementTimeout: .seconds(Int64(max(1, statementTimeout))), logger: logger)
    }

    init(location: PostgresLocation, maximumConnections: Int, statementTimeout: TimeAmount, logger: Logger) throws {
        self.statementTimeout = statementTimeout
        self.location = location.redacted
        schema = location.schema
        channel = "rapport_feed_" + String(location.schema.prefix(48))
        applicationName = "rapport-" + String(UInt32.random(in: .min ... .max), radix: 16)
        self.logger = logger
        pool = PostgresPool(location: location, applicationName: applicationName, maximumConnections: maximumConnections, logger: logger)
        do {
            knownEpoch = try Self.migrate(pool, location: location, logger: logger)
        } catch {
            pool.close()
            throw error
        }
    }

    deinit { close() }

    public func close() {
        let listener = hookLock.withLock {
            defer { self.listener = nil }
            return self.listener
        }
        listener?.stop()
        pool.close()
    }

    /// Connections of this process's pool: open, in use, callers waiting for one, and the bound.
    public var connectionUsage: (open: Int, inUse: Int, waiting: Int, maximum: Int) {
        let usage = pool.usage
        return (usage.open, usage.inUse, usage.waiting, usage.maximum)
    }

    /// Tests only: called inside every storing push's transaction just before its commit, with the
    /// workspaces it wrote (to hold a push open while others run).
    package func setWillCommitPush(_ hook: (@Sendable ([String]) -> Void)?) {
        hookLock.withLock { willCommitPush = hook }
    }

    var pushHook: (@Sendable ([String]) -> Void)? { hookLock.withLock { willCommitPush } }

    public var allowsConcurrentReads: Bool { true }

    // MARK: transactions

    /// One statement on `connection`, rows collected; at most `timeout` seconds.
    ///
    /// The bound matters: a connection whose server died at the wrong moment (a FATAL message
    /// racing the next statement, a peer gone without a reset) may never answer, and a storage
    /// thread must not wait forever. A statement that times out leaves its connection in an
    /// unknown state: the pool drops it, and the transaction is retried like any lost connection.
    static func run(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger,
                    timeout: TimeAmount = .seconds(30)) throws -> PostgresQueryResult {
        guard !connection.isClosed else { throw PostgresFailure.Lost.closed }
        let started = StatementClock.isOn ? DispatchTime.now().uptimeNanoseconds : 0
        defer { if StatementClock.isOn { StatementClock.shared.add(query.sql, since: started) } }
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        connection.query(query, logger: logger).cascade(to: answer)
        let deadline = connection.eventLoop.scheduleTask(in: timeout) { answer.fail(PostgresFailure.Lost.timedOut) }
        answer.futureResult.whenComplete { _ in deadline.cancel() }
        return try answer.futureResult.wait()
    }

    /// Seconds spent per statement (its first words) since the process started, when
    /// `RAPPORT_PG_PROFILE` is set (for `rapport-bench push-profile --postgres`); empty otherwise.
    public func statementTimes() -> [String: Double] { StatementClock.shared.totals }

    /// Runs `body` in a transaction on a pooled connection, retrying transient failures on a fresh
    /// one; throws `.busy` once `attempts` are spent, `.constraint` for a violated constraint, and
    /// `.database` for another statement PostgreSQL refused. With `begin` nil, each statement of
    /// `body` commits on its own (one round trip for a single read). With `attempts` 1, `body` runs
    /// at most once (for work that cannot be repeated, such as lines already written out).
    func transaction<T>(_ begin: String? = "BEGIN", attempts: Int = PostgresStore.attempts, _ body: (Transaction) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try pool.withConnection { connection in
                    let transaction = Transaction(connection: connection, logger: logger, timeout: statementTimeout)
                    guard let begin else { return try body(transaction) }
                    _ = try transaction.run(PostgresQuery(unsafeSQL: begin))
                    do {
                        let result = try body(transaction)
                        _ = try transaction.run("COMMIT")
                        return result
                    } catch {
                        if !connection.isClosed { _ = try? transaction.run("ROLLBACK") }
                        throw error
                    }
                }
            } catch let error as StoreError where error.code != .busy {
                throw error
            } catch {
                if let state = PostgresFailure.sqlState(error), state.hasPrefix("23") {
                    throw StoreError(code: .constraint, message: PostgresFailure.describe(error))
                }
                guard PostgresFailure.isTransient(error) else {
                    logger.error("postgres statement failed", metadata: ["error": "\(PostgresFailure.describe(error))"])
                    throw StoreError(code: .database, message: PostgresFailure.describe(error))
                }
                guard attempt < attempts else {
                    throw StoreError(code: .busy, message: "PostgreSQL is unavailable (\(PostgresFailure.describe(error))); retry in a few seconds")
                }
                logger.notice("postgres transaction retried", metadata: ["attempt": "\(attempt)", "error": "\(PostgresFailure.describe(error))"])
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt * attempt))
            }
        }
    }

    /// A connection inside a transaction.
    struct Transaction {
        let connection: PostgresConnection
        let logger: Logger
        var timeout: TimeAmount = .seconds(30)

        func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
            try PostgresStore.run(connection, query, logger: logger, timeout: timeout)
        }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    // MARK: schema

    private static func migrate(_ pool: PostgresPool, location: PostgresLocation, logger: Logger) throws -> String {
        let store = MigrationRunner(pool: pool, schema: location.schema, logger: logger)
        return try store.run()
    }

    // MARK: tokens and workspaces

    public func tokenCredential(id: String) throws -> TokenCredential? {
        try transaction(nil) { tx in
            let rows = try tx.run("SELECT workspace, secret_hash, revoked_at IS NOT NULL FROM token WHERE id = \(id)")
            guard let row = rows.first else { return nil }
            let (workspace, hash, revoked) = try row.decode((String, String, Bool).self)
            return TokenCredential(workspace: workspace, secretHash: hash, isRevoked: revoked)
        }
    }

    public func hasWorkspace(_ name: String) throws -> Bool {
        try transaction(nil) { tx in try !tx.run("SELECT 1 FROM workspace WHERE name = \(name)").isEmpty }
    }

    @discardableResult
    public func addWorkspace(_ name: String, now: Date) throws -> WorkspaceInfo {
        guard ServerStore.isValidWorkspaceName(name) else {
            throw StoreError(code: .invalidArgument, message: "a workspace name is 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'")
        }
        let created = Self.millis(now)
        do {
            try transaction { tx in
                _ = try tx.run("INSERT INTO workspace (name, next_sequence, created_at) VALUES (\(name), 1, \(created))")
            }
        } catch let error as StoreError where error.code == .constraint {
            throw StoreError(code: .conflict, message: "workspace '\(name)' already exists; `workspace list` shows them")
        }
        return WorkspaceInfo(name: name, records: 0, latestSequence: 0, createdAt: Self.date(created))
    }

    public func workspaces() throws -> [WorkspaceInfo] {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { tx in
            try tx.run("""
                SELECT w.name, w.next_sequence, w.created_at, (SELECT count(*) FROM record r WHERE r.workspace = w.name)
                FROM workspace w ORDER BY w.name
                """).map { row in
                let (name, next, created, records) = try row.decode((String, Int64, Int64, Int64).self)
                return WorkspaceInfo(name: name, records: Int(records), latestSequence: next - 1, createdAt: Self.date(created))
            }
        }
    }

    @discardableResult
    public func addToken(id: String, workspace: String, label: String, secretHash: String, now: Date) throws -> TokenInfo {
        guard ServerStore.isValidTokenID(id) else {
            throw StoreError(code: .invalidArgument, message: "a token id is 1 to 64 characters of A-Z, a-z and 0-9")
        }
        guard label.count <= 200 else {
            throw StoreError(code: .invalidArgument, message: "a token label is at most 200 characters")
        }
        let created = Self.millis(now)
        do {
            try transaction { tx in
                guard try !tx.run("SELECT 1 FROM workspace WHERE name = \(workspace) FOR SHARE").isEmpty else {
                    throw Self.noWorkspace(workspace)
                }
                _ = try tx.run("""
                    INSERT INTO token (id, workspace, label, secret_hash, created_at, revoked_at)
                    VALUES (\(id), \(workspace), \(label), \(secretHash), \(created), NULL)
                    """)
            }
        } catch let error as StoreError where error.code == .constraint {
            throw StoreError(code: .conflict, message: "token id \(id) is already taken; generate another")
        }
        return TokenInfo(id: id, workspace: workspace, label: label, createdAt: Self.date(created), revokedAt: nil)
    }

    public func tokens(workspace: String?) throws -> [TokenInfo] {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { tx in
            if let workspace, try tx.run("SELECT 1 FROM workspace WHERE name = \(workspace)").isEmpty {
                throw Self.noWorkspace(workspace)
            }
            return try tx.run("""
                SELECT id, workspace, label, created_at, revoked_at FROM token
                WHERE \(workspace)::text IS NULL OR workspace = \(workspace) ORDER BY created_at, id
                """).map(Self.tokenInfo)
        }
    }

    @discardableResult
    public func revokeToken(id: String, now: Date) throws -> TokenInfo {
        try transaction { tx in
            let rows = try tx.run("""
                UPDATE token SET revoked_at = coalesce(revoked_at, \(Self.millis(now))) WHERE id = \(id)
                RETURNING id, workspace, label, created_at, revoked_at
                """)
            guard let row = rows.first else {
                throw StoreError(code: .notFound, message: "no token \(id.prefix(64)); `token list` shows them")
            }
            return try Self.tokenInfo(row)
        }
    }

    private static func tokenInfo(_ row: PostgresRow) throws -> TokenInfo {
        let (id, workspace, label, created, revoked) = try row.decode((String, String, String, Int64, Int64?).self)
        return TokenInfo(id: id, workspace: workspace, label: label, createdAt: date(created), revokedAt: revoked.map(date))
    }

    static func noWorkspace(_ workspace: String) -> StoreError {
        StoreError(code: .notFound, message: "no workspace '\(workspace.prefix(64))'; `workspace list` shows them")
    }

    // MARK: change observation

    /// Listens (LISTEN) for the NOTIFY every storing push sends on commit, from any process.
    public func observeOtherWriters(_ onChange: @escaping @Sendable (String?) -> Void) throws -> Bool {
        let listener = ChangeListener(pool: pool, channel: channel, logger: logger, onChange: onChange)
        let previous = hookLock.withLock {
            defer { self.listener = listener }
            return self.listener
        }
        previous?.stop()
        try listener.start()
        return true
    }
}

/// Time per statement for profiling (`RAPPORT_PG_PROFILE`); off, it costs one branch.
final class StatementClock: @unchecked Sendable {
    static let isOn = ProcessInfo.processInfo.environment["RAPPORT_PG_PROFILE"] != nil
    static let shared = StatementClock()
    // `lock` guards `seconds`: what makes the unchecked Sendable sound.
    private let lock = NSLock()
    private var seconds: [String: Double] = [:]

    func add(_ sql: String, since started: UInt64) {
        let key = sql.split(whereSeparator: \.isWhitespace).prefix(5).joined(separator: " ")
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        lock.withLock { seconds[key, default: 0] += elapsed }
    }

    var totals: [String: Double] { lock.withLock { seconds } }
}

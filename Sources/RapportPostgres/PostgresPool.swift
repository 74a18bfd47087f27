import Foundation
import Logging
import PostgresNIO
import RapportStore

/// A bounded pool of PostgreSQL connections with a blocking interface, for the server's storage
/// threads (`SyncStorage` is synchronous: its callers run on their own threads, never on Swift's
/// cooperative pool, and the connections' I/O runs on NIO's event loops, so waiting here blocks
/// nobody else).
///
/// At most `maximumConnections` are open; a caller beyond that waits for one to come back (at most
/// `checkoutTimeout`, then `.busy`). A connection that failed (closed by the server, a restart, a
/// network error) is dropped, never handed out again; the next caller opens a fresh one.
final class PostgresPool: @unchecked Sendable {
    struct Usage: Sendable, Hashable {
        var open: Int
        var inUse: Int
        var waiting: Int
        var maximum: Int
    }

    let location: PostgresLocation
    let applicationName: String
    let maximumConnections: Int
    let checkoutTimeout: TimeInterval
    private let logger: Logger
    private let group: any EventLoopGroup
    // `condition` guards everything below it: what makes the unchecked Sendable sound.
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var waiting = 0
    private var closed = false
    private var nextID = 0

    init(location: PostgresLocation, applicationName: String, maximumConnections: Int, checkoutTimeout: TimeInterval = 10, logger: Logger) {
        self.location = location
        self.applicationName = applicationName
        self.maximumConnections = max(1, maximumConnections)
        self.checkoutTimeout = checkoutTimeout
        self.logger = logger
        group = PostgresConnection.defaultEventLoopGroup
    }

    var usage: Usage {
        condition.withLock { Usage(open: open, inUse: open - idle.count, waiting: waiting, maximum: maximumConnections) }
    }

    /// Runs `body` with a connection of the pool, returning it afterwards (or dropping it when the
    /// body failed with the connection broken).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkout()
        do {
            let result = try body(connection)
            checkin(connection, broken: false)
            return result
        } catch {
            checkin(connection, broken: connection.isClosed || !PostgresFailure.isServerAnswer(error))
            throw error
        }
    }

    /// Opens a connection outside the pool (the change listener's), in the pool's configuration.
    func connectDedicated() throws -> PostgresConnection {
        try connect()
    }

    /// Closes every idle connection and refuses new checkouts; connections in use close on return.
    func close() {
        let connections: [PostgresConnection] = condition.withLock {
            closed = true
            defer { idle.removeAll() }
            open -= idle.count
            condition.broadcast()
            return idle
        }
        for connection in connections { Self.drop(connection, wait: true) }
    }

    private func checkout() throws -> PostgresConnection {
        let deadline = Date().addingTimeInterval(checkoutTimeout)
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw StoreError(code: .busy, message: "the server's PostgreSQL connections are closed (the server is stopping)")
            }
            if let connection = idle.popLast() {
                if connection.isClosed {
                    open -= 1
                    continue
                }
                condition.unlock()
                return connection
            }
            if open < maximumConnections {
                open += 1
                condition.unlock()
                do {
                    return try connect()
                } catch {
                    condition.withLock {
                        open -= 1
                        condition.signal()
                    }
                    throw error
                }
            }
            waiting += 1
            let signalled = condition.wait(until: deadline)
            waiting -= 1
            if !signalled && Date() >= deadline {
                condition.unlock()
                throw StoreError(code: .busy, message: "all \(maximumConnections) PostgreSQL connections stayed busy for \(Int(checkoutTimeout)) s; retry shortly")
            }
        }
    }

    private func checkin(_ connection: PostgresConnection, broken: Bool) {
        let discard: Bool = condition.withLock {
            defer { condition.signal() }
            if broken || closed || connection.isClosed {
                open -= 1
                return true
            }
            idle.append(connection)
            return false
        }
        if discard { PostgresPool.drop(connection) }
    }

    /// Closes a connection, waiting for it with `wait`; else the connection lives until it closed
    /// (PostgresNIO requires a connection be closed before it is released).
    static func drop(_ connection: PostgresConnection, wait: Bool = false) {
        let closing: EventLoopFuture<Void> = connection.close()
        if wait {
            try? closing.wait()
        } else {
            closing.whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    private func connect() throws -> PostgresConnection {
        let id = condition.withLock {
            nextID += 1
            return nextID
        }
        return try PostgresConnection.connect(on: group.next(), configuration: try location.configuration(applicationName: applicationName), id: id, logger: logger).wait()
    }
}

/// How PostgreSQL failures are told apart: a transient one (the connection dropped, the server
/// restarting, a serialization failure or deadlock) is worth retrying; anything else is a fault.
enum PostgresFailure {
    /// A connection that can no longer be trusted: closed before the statement went out, or silent
    /// past the statement timeout.
    enum Lost: Error {
        case closed, timedOut
    }

    /// Whether the server answered the statement (so the connection is still good): any server error.
    static func isServerAnswer(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return error is StoreError }
        return error.code == .server
    }

    /// SQLSTATE of a server error, if it is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Worth retrying the whole transaction: connection failures, server shutdown or start-up,
    /// too many connections, serialization failures and deadlocks.
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? StoreError { return error.code == .busy }
        guard let psql = error as? PSQLError else {
            // NIO's own errors (connection refused or reset, a timeout) are the network's.
            return true
        }
        guard psql.code == .server else { return psql.code != .tooManyParameters && psql.code != .invalidCommandTag }
        guard let state = sqlState(error) else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") || state == "40001" || state == "40P01"
    }

    /// A short, value-free account of the failure for messages and logs.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let state = sqlState(psql) {
                return "PostgreSQL error \(state): \(psql.serverInfo?[.message] ?? "")"
            }
            // The transport's own error (refused, reset, a TLS certificate not trusted) says more
            // than the code; it holds no query text or bound value.
            if let underlying = psql.underlying { return "PostgreSQL connection failure (\(psql.code): \(String(describing: underlying).prefix(200)))" }
            return "PostgreSQL connection failure (\(psql.code))"
        }
        if let error = error as? StoreError { return error.message }
        if let error = error as? Lost { return error == .closed ? "PostgreSQL connection lost" : "PostgreSQL did not answer in time" }
        return "PostgreSQL connection failure (\(String(describing: type(of: error))))"
    }
}

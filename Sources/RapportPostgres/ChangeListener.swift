import Foundation
import Logging
import PostgresNIO

/// Keeps one connection LISTENing on a schema's feed channel and reports each NOTIFY (a workspace
/// that another process, or this one, stored into).
///
/// When the connection drops (PostgreSQL restarted, the network failed) it reconnects with backoff
/// and then reports nil: notifications sent meanwhile are lost, so every waiter must look again.
final class ChangeListener: @unchecked Sendable {
    private let pool: PostgresPool
    private let channel: String
    private let logger: Logger
    private let onChange: @Sendable (String?) -> Void
    // `lock` guards the two vars: what makes the unchecked Sendable sound.
    private let lock = NSLock()
    private var stopped = false
    private var connection: PostgresConnection?

    init(pool: PostgresPool, channel: String, logger: Logger, onChange: @escaping @Sendable (String?) -> Void) {
        self.pool = pool
        self.channel = channel
        self.logger = logger
        self.onChange = onChange
    }

    /// Connects and listens now (so a failure to reach PostgreSQL is reported to the caller), then
    /// keeps listening on a thread of its own until `stop()`.
    func start() throws {
        try listen()
        let thread = Thread { [self] in keepListening() }
        thread.name = "rapport.postgres.listen"
        thread.start()
    }

    func stop() {
        let connection: PostgresConnection? = lock.withLock {
            stopped = true
            defer { self.connection = nil }
            return self.connection
        }
        if let connection { PostgresPool.drop(connection, wait: true) }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func listen() throws {
        let connection = try pool.connectDedicated()
        let onChange = onChange
        connection.addListener(channel: channel) { _, notification in onChange(notification.payload) }
        do {
            _ = try PostgresStore.run(connection, PostgresQuery(unsafeSQL: "LISTEN \(channel)"), logger: logger)
        } catch {
            PostgresPool.drop(connection)
            throw error
        }
        let keep = lock.withLock {
            guard !stopped else { return false }
            self.connection = connection
            return true
        }
        if !keep { PostgresPool.drop(connection) }
    }

    private func keepListening() {
        var delay = 0.1
        while !isStopped {
            let current = lock.withLock { connection }
            if let current {
                try? current.closeFuture.wait()
                lock.withLock { if connection === current { connection = nil } }
                if isStopped { return }
                logger.notice("postgres listener lost its connection; reconnecting")
            }
            do {
                try listen()
                delay = 0.1
                onChange(nil)
            } catch {
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 2)
            }
        }
    }
}

import Foundation

/// Idle kept-alive connections by `host:port`, so a sync's requests (and a long-poll loop's) reuse
/// one TCP connection instead of opening one each.
///
/// A connection is checked in only after a complete answer that leaves it open; one the server
/// has closed meanwhile is dropped on checkout. At most `maxIdlePerKey` wait per server; the rest
/// close.
final class SocketConnectionPool: @unchecked Sendable {
    static let shared = SocketConnectionPool()

    let maxIdlePerKey: Int
    private let lock = NSLock()
    private var idle: [String: [SocketConnection]] = [:]

    init(maxIdlePerKey: Int = 4) {
        self.maxIdlePerKey = maxIdlePerKey
    }

    /// The most recently used idle connection to `key` that is still open, if any.
    func checkOut(_ key: String) -> SocketConnection? {
        while let connection = lock.withLock({ idle[key]?.popLast() }) {
            if connection.isIdleAndOpen { return connection }
        }
        return nil
    }

    func checkIn(_ connection: SocketConnection) {
        let surplus: SocketConnection? = lock.withLock {
            idle[connection.key, default: []].append(connection)
            guard idle[connection.key]!.count > maxIdlePerKey else { return nil }
            return idle[connection.key]!.removeFirst()
        }
        // Closed outside the lock (by deinit).
        _ = surplus
    }
}

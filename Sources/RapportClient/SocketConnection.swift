import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection to a server, used by one request at a time, from a thread that may block.
///
/// The socket is non-blocking and every wait is a `poll()` on it and on the request's
/// `CancelSignal`, bounded by a timeout: a thread waiting for an answer sleeps in the kernel (no
/// busy-waiting) and wakes at once when its task is cancelled. Not thread-safe: a connection
/// belongs to one request, or to the pool between requests. Closed on deinit.
final class SocketConnection: @unchecked Sendable {
    /// Why a socket call failed, for `SocketTransport` to explain.
    enum Failure: Error {
        case hostNotFound(String)
        case refused
        case timedOut
        case cancelled
        /// The server closed or reset the connection.
        case closed
        case system(call: String, errno: Int32)
    }

    /// `host:port`, the pool's key.
    let key: String
    /// Requests this connection has carried; a reused one may have been closed by the server meanwhile.
    var requestsCarried = 0
    private let fd: Int32

    private init(fd: Int32, key: String) {
        self.fd = fd
        self.key = key
    }

    deinit { close(fd) }

    /// Resolves `host` and connects to the first of its addresses that accepts, waiting at most
    /// `timeout` for each.
    static func open(host: String, port: Int, timeout: TimeInterval, cancel: CancelSignal) throws -> SocketConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamType
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw Failure.hostNotFound(String(cString: gai_strerror(resolved)))
        }
        defer { freeaddrinfo(list) }
        var failure = Failure.refused
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next?.pointee {
            next = address.ai_next
            do {
                return try attempt(address, key: "\(host):\(port)", timeout: timeout, cancel: cancel)
            } catch .cancelled {
                throw Failure.cancelled
            } catch {
                failure = error
            }
        }
        throw failure
    }

    private static func attempt(_ address: addrinfo, key: String, timeout: TimeInterval, cancel: CancelSignal) throws(Failure) -> SocketConnection {
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        let connection = SocketConnection(fd: fd, key: key)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var on: Int32 = 1
        // Small requests and answers go out at once instead of waiting for the previous ACK.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        if connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw Self.failure(call: "connect", errno: errno) }
            try connection.wait(for: Int16(POLLOUT), timeout: timeout, cancel: cancel)
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { throw Self.failure(call: "connect", errno: error) }
        }
        return connection
    }

    /// Sends all of `data`, waiting at most `timeout` whenever the socket's buffer is full.
    func write(_ data: Data, timeout: TimeInterval, cancel: CancelSignal) throws(Failure) {
        var sent = 0
        while sent < data.count {
            let count = data.withUnsafeBytes { bytes in
                send(fd, bytes.baseAddress! + sent, bytes.count - sent, Self.noSignal)
            }
            if count >= 0 {
                sent += count
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLOUT), timeout: timeout, cancel: cancel)
            } else if errno != EINTR {
                throw Self.failure(call: "send", errno: errno)
            }
        }
    }

    /// Reads what has arrived into `buffer`, waiting at most `timeout` for something to arrive;
    /// returns the count read, 0 when the server closed the connection.
    func read(into buffer: inout [UInt8], timeout: TimeInterval, cancel: CancelSignal) throws(Failure) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return count }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLIN), timeout: timeout, cancel: cancel)
            } else if errno != EINTR {
                throw Self.failure(call: "recv", errno: errno)
            }
        }
    }

    /// Whether the connection is idle and open: nothing to read, no end of stream. A server that
    /// closed a kept-alive connection shows here as readable.
    var isIdleAndOpen: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    /// Sleeps in `poll()` until the socket is ready for `events` (or in error, which the next call
    /// reports), the request is cancelled, or `timeout` passes.
    private func wait(for events: Int16, timeout: TimeInterval, cancel: CancelSignal) throws(Failure) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, timeout) * 1000))
        var entries = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: cancel.fd, events: Int16(POLLIN), revents: 0)]
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .timedOut }
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&entries, 2, milliseconds)
            if ready < 0 {
                guard errno == EINTR else { throw .system(call: "poll", errno: errno) }
                continue
            }
            if entries[1].revents != 0 { throw .cancelled }
            if ready > 0 { return }
        }
    }

    private static func failure(call: String, errno code: Int32) -> Failure {
        switch code {
        case ECONNREFUSED: .refused
        case ECONNRESET, EPIPE, ECONNABORTED, ENOTCONN: .closed
        case ETIMEDOUT: .timedOut
        default: .system(call: call, errno: code)
        }
    }

    #if canImport(Glibc)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    /// A write to a connection the server closed fails with EPIPE instead of killing the process.
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let streamType = SOCK_STREAM
    private static let noSignal: Int32 = 0
    #endif
}

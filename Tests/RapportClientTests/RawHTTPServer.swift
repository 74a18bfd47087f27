import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback TCP listener whose connections a test scripts byte by byte, for what the real server
/// never does: chunked answers, garbage, silence, a kept-alive connection closed between requests.
///
/// Each accepted connection runs `handler` on a thread of its own; `accepted` counts connections
/// and `requests` the requests read, so a test sees how many connections a transport opened.
final class RawHTTPServer: @unchecked Sendable {
    let port: Int
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private let listener: Int32
    private let handler: @Sendable (Connection) -> Void
    private let lock = NSLock()
    private var acceptedCount = 0
    private var requestCount = 0

    var accepted: Int { lock.withLock { acceptedCount } }
    var requests: Int { lock.withLock { requestCount } }

    init(_ handler: @escaping @Sendable (Connection) -> Void) throws {
        self.handler = handler
        let listener = socket(AF_INET, Self.streamType, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 16) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { close(listener) }

    /// Stops accepting; connections being served end with their handlers.
    func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            // A handler blocked on a client that went away gives up after a while; long enough
            // that a test starved of CPU by a parallel suite still finds its connection open.
            var limit = timeval(tv_sec: 120, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            lock.withLock { acceptedCount += 1 }
            let connection = Connection(fd: fd) { [self] in lock.withLock { requestCount += 1 } }
            Thread { [handler] in
                handler(connection)
                connection.close()
            }.start()
        }
    }

    /// One accepted connection, read and written with blocking calls.
    final class Connection: @unchecked Sendable {
        private let fd: Int32
        private var pending: [UInt8] = []
        private var closed = false
        private let counted: () -> Void

        init(fd: Int32, counted: @escaping () -> Void) {
            self.fd = fd
            self.counted = counted
        }

        /// Reads one request (head and a `Content-Length` body); nil when the client closed first.
        @discardableResult
        func readRequest() -> String? {
            while true {
                if let end = find("\r\n\r\n") {
                    let head = String(decoding: pending[..<end], as: UTF8.self)
                    let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    while pending.count < end + 4 + length { guard fill() else { return nil } }
                    pending.removeFirst(end + 4 + length)
                    counted()
                    return head
                }
                guard fill() else { return nil }
            }
        }

        /// Waits until the client closes the connection (or the read limit passes).
        func readUntilClosed() { while fill() {} }

        func write(_ text: String) { write(Array(text.utf8)) }

        func write(_ bytes: [UInt8]) {
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, noSignal) }
                guard count > 0 else { return }
                sent += count
            }
        }

        /// An answer with a `Content-Length` body, kept alive.
        func answer(_ body: String, status: String = "200 OK", headers: String = "") {
            write("HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)")
        }

        func close() {
            guard !closed else { return }
            closed = true
            closeSocket(fd)
        }

        private func fill() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            pending += buffer[..<count]
            return true
        }

        private func find(_ text: String) -> Int? {
            let needle = Array(text.utf8)
            guard pending.count >= needle.count else { return nil }
            return (0...(pending.count - needle.count)).first { pending[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
    }

    #if canImport(Glibc)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamType = SOCK_STREAM
    #endif
}

#if canImport(Glibc)
private let noSignal = Int32(MSG_NOSIGNAL)
#else
private let noSignal: Int32 = 0
#endif

private func closeSocket(_ fd: Int32) { close(fd) }

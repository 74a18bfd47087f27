import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wakes a thread sleeping in `poll()` when the Swift task it works for is cancelled.
///
/// A pipe whose read end the thread polls beside its socket: firing writes one byte, so every
/// wait of that request (connect, send, receive) ends at once, whatever the socket's state.
/// `shutdown()` would not do: it does nothing to a socket still connecting.
final class CancelSignal: @unchecked Sendable {
    /// The end to poll for `POLLIN`.
    let fd: Int32
    private let writeEnd: Int32
    private let lock = NSLock()
    private var fired = false

    init() throws(SocketConnection.Failure) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw .system(call: "pipe", errno: errno) }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fd)
        close(writeEnd)
    }

    func fire() {
        lock.withLock {
            guard !fired else { return }
            fired = true
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
        }
    }

    var isFired: Bool { lock.withLock { fired } }
}

import Foundation

/// Why a sync could not finish: a stable `code` to decide on, and a `message` to show that says
/// what to check or do.
///
/// Every error answer of the server becomes one of these, carrying the server's own message,
/// its wire code (`serverCode`) and the HTTP status. Messages never contain customer data.
/// Whatever the error, nothing acknowledged is lost: run `sync()` again once the cause is fixed.
public struct SyncError: Error, CustomStringConvertible {
    public let code: Code
    public let message: String
    /// The HTTP status of the server's answer, when there was one.
    public let httpStatus: Int?
    /// The server's error code as sent (`ErrorBody.code`), when it sent one.
    public let serverCode: String?
    /// The lower-level error behind this one (a `URLError`, a decoding error), if any.
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, httpStatus: Int? = nil, serverCode: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.serverCode = serverCode
        self.cause = cause
    }

    public var description: String { "\(code): \(message)" }
}

import Foundation

/// The JSON body of every error answer: `{"error": {"code", "message", …}}`.
///
/// Sent with the HTTP status of its code (`httpStatus`). Build one from a `ProtocolError`
/// (`ProtocolError.response`) so the status and the extra facts stay consistent.
public struct ErrorResponse: Codable, Sendable, Hashable {
    public var error: ErrorBody

    public init(error: ErrorBody) { self.error = error }

    public init(_ code: ErrorCode, message: String) {
        self.init(error: ErrorBody(code, message: message))
    }

    /// The status of a known code; 400 for a code this build does not know.
    public var httpStatus: Int { error.errorCode?.httpStatus ?? 400 }
}

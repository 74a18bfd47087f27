import Foundation

/// A stable, machine-readable error code of the sync protocol, with the HTTP status it travels with.
///
/// An extensible struct rather than an enum, so codes can be added without breaking a caller's
/// `switch`: compare with `==` against the static members. `rawValue` is what goes on the wire
/// (`ErrorBody.code`); a client meeting a code it does not know should fall back on `httpStatus`
/// of the response and show `message`.
public struct ErrorCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public let httpStatus: Int

    /// A code outside the predefined ones; prefer the static members.
    public init(_ rawValue: String, httpStatus: Int) {
        self.rawValue = rawValue
        self.httpStatus = httpStatus
    }

    /// The predefined code spelled `rawValue`, or nil if this build does not know it.
    public init?(rawValue: String) {
        guard let known = Self.known.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = known
    }

    /// The body is not JSON at all.
    public static let malformedJSON = ErrorCode("malformed_json", httpStatus: 400)
    /// A query parameter or header is missing or out of range.
    public static let invalidRequest = ErrorCode("invalid_request", httpStatus: 400)
    /// `since` is not a cursor this protocol could have produced.
    public static let invalidCursor = ErrorCode("invalid_cursor", httpStatus: 400)
    /// No bearer token, or one the server does not know.
    public static let unauthorized = ErrorCode("unauthorized", httpStatus: 401)
    /// A valid token that does not grant this workspace.
    public static let forbidden = ErrorCode("forbidden", httpStatus: 403)
    /// No such endpoint or workspace.
    public static let notFound = ErrorCode("not_found", httpStatus: 404)
    /// The endpoint exists but not for this HTTP method.
    public static let methodNotAllowed = ErrorCode("method_not_allowed", httpStatus: 405)
    /// The cursor comes from another server epoch (the database was replaced or restored).
    ///
    /// The client must reset its cursor, re-send all its records and pull from the start;
    /// the body's `epoch` is the server's current one.
    public static let cursorEpochMismatch = ErrorCode("cursor_epoch_mismatch", httpStatus: 409)
    /// The body exceeds the server's limit (its size, or a push's number of versions); the body's
    /// `limit` says how many bytes are allowed.
    public static let payloadTooLarge = ErrorCode("payload_too_large", httpStatus: 413)
    /// The body is sent with a `Content-Encoding` the server does not decode (it decodes gzip);
    /// the answer's `Accept-Encoding` header lists what it accepts.
    public static let unsupportedEncoding = ErrorCode("unsupported_encoding", httpStatus: 415)
    /// Well-formed JSON of the wrong shape: missing fields or wrong types.
    public static let unprocessable = ErrorCode("unprocessable", httpStatus: 422)
    /// The request's `protocolVersion` is not supported; the body lists `supportedVersions`.
    public static let upgradeRequired = ErrorCode("upgrade_required", httpStatus: 426)
    /// The client should slow down and retry later.
    public static let tooManyRequests = ErrorCode("too_many_requests", httpStatus: 429)

    /// Every predefined code, in order of HTTP status.
    public static let known: [ErrorCode] = [
        .malformedJSON, .invalidRequest, .invalidCursor, .unauthorized, .forbidden, .notFound,
        .methodNotAllowed, .cursorEpochMismatch, .payloadTooLarge, .unsupportedEncoding, .unprocessable, .upgradeRequired, .tooManyRequests,
    ]

    public var description: String { rawValue }
}

import Foundation

/// A request the protocol refuses: an error code, a message saying what to send instead, and the
/// extra facts some codes carry.
///
/// Thrown by the parsing in this module (`SyncCursor`, `ChangesQuery`, `WireCoding.decode`) so a
/// server can answer with `response` and `code.httpStatus` and never reach a 500 for bad input.
/// Messages never contain customer data.
public struct ProtocolError: Error, Hashable, CustomStringConvertible, Sendable {
    public let code: ErrorCode
    public let message: String
    /// The server's current epoch; set for `cursor_epoch_mismatch`.
    public var epoch: String?
    /// The largest allowed body in bytes; set for `payload_too_large`.
    public var limit: Int?

    public init(_ code: ErrorCode, _ message: String, epoch: String? = nil, limit: Int? = nil) {
        self.code = code
        self.message = message
        self.epoch = epoch
        self.limit = limit
    }

    /// The JSON body to send; `upgrade_required` always lists the supported versions.
    public var response: ErrorResponse {
        ErrorResponse(error: ErrorBody(
            code, message: message,
            supportedVersions: code == .upgradeRequired ? ProtocolVersion.supported : nil,
            limit: limit, epoch: epoch))
    }

    public var description: String { "\(code): \(message)" }

    /// `upgrade_required` for a request speaking `version`.
    public static func unsupportedVersion(_ version: Int) -> ProtocolError {
        let list = ProtocolVersion.supported.map(String.init).joined(separator: ", ")
        return ProtocolError(.upgradeRequired, "protocolVersion \(version) is not supported; this server speaks \(list). Update the app.")
    }

    /// `cursor_epoch_mismatch`: the client's cursor predates the server's current database.
    public static func cursorEpochMismatch(serverEpoch: String) -> ProtocolError {
        ProtocolError(.cursorEpochMismatch, """
            the cursor belongs to an earlier copy of the server's database, which was replaced or restored; \
            reset the cursor, push every local record again, then pull from the start
            """, epoch: serverEpoch)
    }

    /// `payload_too_large` for a body over `limit` bytes.
    public static func payloadTooLarge(limit: Int) -> ProtocolError {
        ProtocolError(.payloadTooLarge, "the request body is larger than \(limit) bytes; push in smaller batches", limit: limit)
    }
}

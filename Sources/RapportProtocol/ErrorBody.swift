import Foundation

/// The inside of an error response: a stable `code`, a human `message`, and the facts some codes carry.
///
/// `supportedVersions` comes with `upgrade_required`, `limit` (bytes) with `payload_too_large`,
/// `epoch` with `cursor_epoch_mismatch`; absent keys are omitted, never null. Decide on `code`
/// (see `errorCode`), show `message`; never parse the message.
public struct ErrorBody: Codable, Sendable, Hashable {
    public var code: String
    public var message: String
    public var supportedVersions: [Int]?
    public var limit: Int?
    public var epoch: String?

    public init(code: String, message: String, supportedVersions: [Int]? = nil, limit: Int? = nil, epoch: String? = nil) {
        self.code = code
        self.message = message
        self.supportedVersions = supportedVersions
        self.limit = limit
        self.epoch = epoch
    }

    public init(_ code: ErrorCode, message: String, supportedVersions: [Int]? = nil, limit: Int? = nil, epoch: String? = nil) {
        self.init(code: code.rawValue, message: message, supportedVersions: supportedVersions, limit: limit, epoch: epoch)
    }

    /// The predefined code, or nil for one this build does not know.
    public var errorCode: ErrorCode? { ErrorCode(rawValue: code) }
}

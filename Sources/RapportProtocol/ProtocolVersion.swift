import Foundation

/// The versions of the sync protocol this build speaks.
///
/// Every request carries `protocolVersion`; a server refuses any version outside `supported`
/// with `upgrade_required` (HTTP 426) before it looks at the rest of the request, so a newer
/// client talking to an older server gets a clear answer instead of a half-understood batch.
public enum ProtocolVersion {
    /// The version this build sends.
    public static let current = 1
    /// Every version this build accepts, oldest first.
    public static let supported: [Int] = [1]

    public static func isSupported(_ version: Int) -> Bool { supported.contains(version) }

    /// Throws `upgrade_required` (with the supported versions) unless `version` is supported.
    public static func require(_ version: Int) throws(ProtocolError) {
        guard isSupported(version) else { throw ProtocolError.unsupportedVersion(version) }
    }
}

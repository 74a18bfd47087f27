import Foundation
import RapportStore

/// What the server needs to check a presented token: the workspace it grants, the stored SHA-256
/// hash of its secret, and whether it was revoked.
///
/// Returned by `ServerStore.tokenCredential(id:)` for authentication only; never list or log it.
public struct TokenCredential: Hashable, Sendable {
    public let workspace: String
    /// Lowercase hex of the SHA-256 of the whole secret.
    public let secretHash: String
    public let isRevoked: Bool

    public init(workspace: String, secretHash: String, isRevoked: Bool) {
        self.workspace = workspace
        self.secretHash = secretHash
        self.isRevoked = isRevoked
    }
}

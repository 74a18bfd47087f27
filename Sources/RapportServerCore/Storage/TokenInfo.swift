import Foundation
import RapportStore

/// A bearer token as listed to an administrator: everything but the secret, which the server never
/// keeps (only its hash) and never shows again after creation.
///
/// A token grants exactly one workspace; a revoked one (`revokedAt` set) is refused.
public struct TokenInfo: Hashable, Sendable {
    public let id: String
    public let workspace: String
    public let label: String
    public let createdAt: Date
    public let revokedAt: Date?

    public init(id: String, workspace: String, label: String, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.workspace = workspace
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }
}

import Foundation

/// The body of `GET /v1/workspaces/{workspace}/schema`: what the workspace's schema adds to the
/// built-in entities, which every build knows.
///
/// A push is checked against the built-in entities plus `declared`: a field or entity beyond them
/// is refused (`unknown_field`, `unknown_entity`). A client reads this before it pushes fields a
/// newer app added, or to tell its user that the server is not ready for this app version yet.
/// Declarations only ever add, so what a client learned stays true.
public struct SchemaResponse: Codable, Sendable, Hashable {
    /// One declared field: a new optional field of an entity, or a field of a new entity.
    public struct Field: Codable, Sendable, Hashable {
        public var entity: String
        public var field: String
        /// `optionalText`, `optionalNumber` or `optionalDate`.
        public var kind: String
        /// True when `entity` is not a built-in entity.
        public var newEntity: Bool

        public init(entity: String, field: String, kind: String, newEntity: Bool) {
            self.entity = entity
            self.field = field
            self.kind = kind
            self.newEntity = newEntity
        }
    }

    public var protocolVersion: Int
    public var workspace: String
    /// In the order they were declared.
    public var declared: [Field]

    public init(protocolVersion: Int = ProtocolVersion.current, workspace: String, declared: [Field]) {
        self.protocolVersion = protocolVersion
        self.workspace = workspace
        self.declared = declared
    }
}

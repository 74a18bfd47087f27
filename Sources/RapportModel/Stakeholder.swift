/// A person at a customer account together with the role they play there.
///
/// An assessment may name a stakeholder to record trust and respect with that person rather than
/// with the account as a whole. `isKey` marks the people whose relationship decides the account's
/// (see ``AccountRelationship``). `email` is omitted from JSON when `nil`; `isKey` is omitted when
/// false, and decodes as false when absent (records from builds before the flag).
public struct Stakeholder: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var accountID: String
    public var name: String
    public var role: String
    public var email: String?
    /// Whether this person's relationship decides the account's relationship.
    public var isKey: Bool

    public init(id: String, accountID: String, name: String, role: String = "", email: String? = nil, isKey: Bool = false) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.role = role
        self.email = email
        self.isKey = isKey
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case id, accountID, name, role, email, isKey
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try container.decode(String.self, forKey: .id), accountID: try container.decode(String.self, forKey: .accountID),
                  name: try container.decode(String.self, forKey: .name), role: try container.decode(String.self, forKey: .role),
                  email: try container.decodeIfPresent(String.self, forKey: .email),
                  isKey: try container.decodeIfPresent(Bool.self, forKey: .isKey) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(accountID, forKey: .accountID)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encodeIfPresent(email, forKey: .email)
        if isKey { try container.encode(true, forKey: .isKey) }
    }
}

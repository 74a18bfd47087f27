/// A person at a customer account together with the role they play there.
///
/// An assessment may name a stakeholder to record trust and respect with that person rather than
/// with the account as a whole. `email` is omitted from JSON when `nil`.
public struct Stakeholder: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var accountID: String
    public var name: String
    public var role: String
    public var email: String?

    public init(id: String, accountID: String, name: String, role: String = "", email: String? = nil) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.role = role
        self.email = email
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case id, accountID, name, role, email
    }
}

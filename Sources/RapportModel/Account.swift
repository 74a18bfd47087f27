import Foundation

/// A customer account in a CSM's book of business.
///
/// Values are plain data with no validation: the store and the UI decide what a usable account is.
/// `arr` is annual recurring revenue in the workspace's currency. Optional fields are omitted from
/// JSON when `nil`; dates use whatever strategy the encoder is configured with.
public struct Account: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var name: String
    public var segment: String
    public var arr: Double
    public var renewalDate: Date?
    public var owner: String

    public init(
        id: String,
        name: String,
        segment: String = "",
        arr: Double = 0,
        renewalDate: Date? = nil,
        owner: String = ""
    ) {
        self.id = id
        self.name = name
        self.segment = segment
        self.arr = arr
        self.renewalDate = renewalDate
        self.owner = owner
    }

    /// Stable JSON field names: part of the wire and storage contract, never rename.
    enum CodingKeys: String, CodingKey {
        case id, name, segment, arr, renewalDate, owner
    }
}

import Foundation
import RapportMerge

/// One conflict as kept in the replica's journal: both values, both stamps, the winner and why,
/// and, once a person has looked at it, how it was resolved.
public struct JournalEntry: Hashable, Sendable {
    public let seq: Int64
    public let conflict: Conflict
    public let detectedAt: Date
    public let resolvedAt: Date?
    /// What the person chose (`kept`, `took mine`, `took theirs`, `set value`), if resolved.
    public let resolution: String?

    public var isResolved: Bool { resolvedAt != nil }
}

/// How a person settles a journaled conflict.
public enum ConflictChoice: Hashable, Sendable {
    /// This replica's value at the time of the conflict.
    case mine
    /// The other replica's value at the time of the conflict.
    case theirs
    /// A value typed by the person.
    case value(FieldValue)
}

import Foundation

/// The stable codes a server puts in `PushResult.reason` when it rejects one record.
///
/// Plain strings so that a server may add codes; a client should treat an unknown one like
/// `invalidVersion` (the record needs fixing, retrying it unchanged will not help) and show `message`.
public enum RejectionReason {
    /// The element is not a well-formed record version, or its parts contradict each other: a part
    /// missing or mistyped, a number no type can hold (`1e400`), or a key the contract does not
    /// have (in the version, a stamped value or `deleted`).
    public static let invalidVersion = "invalid_version"
    /// The workspace does not know this entity.
    public static let unknownEntity = "unknown_entity"
    /// The entity has no such field.
    public static let unknownField = "unknown_field"
    /// A field of the entity is absent: every version carries every field of its entity.
    public static let missingField = "missing_field"
    /// A stamp is further ahead of the server's clock than allowed; fix the device's clock.
    public static let clockDrift = "clock_drift"
    /// A field value has the wrong type or is out of range for its field (a date outside the years
    /// 0001…9999, `EntitySchema.Kind.dateRange`).
    public static let invalidValue = "invalid_value"
}

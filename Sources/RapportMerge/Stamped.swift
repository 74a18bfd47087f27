import Foundation

/// A value together with the write that produced it: its stamp, and its dot (the writer's entry in
/// the record's vector clock right after that write).
///
/// The stamp decides which value wins a merge. The dot says who has *seen* the write
/// (`VectorClock.hasSeen`), which is how a conflict is told apart from an ordinary later edit.
/// On the wire: `{"value": …, "stamp": "wallMillis:counter:replica", "dot": 3}`.
public struct Stamped<Value: Hashable & Sendable & Codable>: Hashable, Sendable, Codable {
    public var value: Value
    public var stamp: Stamp
    public var dot: UInt64

    public init(_ value: Value, stamp: Stamp, dot: UInt64) {
        self.value = value
        self.stamp = stamp
        self.dot = dot
    }

    /// Whether `clock` has seen this write.
    public func isSeen(by clock: VectorClock) -> Bool { clock.hasSeen(dot: dot, of: stamp.replica) }
}

extension Stamped {
    /// The merge order: greater stamp, then (equal stamps, only possible from a cloned or buggy
    /// replica) the canonically greater value, then the greater dot. A total order, so picking the
    /// greater of two is commutative, associative and idempotent.
    static func precedes(_ a: Stamped<FieldValue>, _ b: Stamped<FieldValue>) -> Bool {
        if a.stamp != b.stamp { return a.stamp < b.stamp }
        if a.value != b.value { return a.value.canonicallyPrecedes(b.value) }
        return a.dot < b.dot
    }
}

extension Stamped where Value == FieldValue {
    /// The winner of two writes of the same field under the merge order.
    public static func winner(_ a: Stamped<FieldValue>, _ b: Stamped<FieldValue>) -> Stamped<FieldValue> {
        precedes(a, b) ? b : a
    }
}

extension Stamped where Value == Bool {
    var asField: Stamped<FieldValue> { Stamped<FieldValue>(.bool(value), stamp: stamp, dot: dot) }

    /// The flag as a field value, as the conflict journal keeps the tombstone.
    public var asFieldValue: Stamped<FieldValue> { asField }

    /// The winner of two writes of the `deleted` flag under the merge order.
    public static func winner(_ a: Stamped<Bool>, _ b: Stamped<Bool>) -> Stamped<Bool> {
        Stamped<FieldValue>.precedes(a.asField, b.asField) ? b : a
    }
}

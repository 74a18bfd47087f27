import Foundation

/// A vector clock: how many writes of one record each replica has made, as far as this version knows.
///
/// A missing entry counts as 0, and zero entries are never stored, so equal knowledge means equal
/// values. Clocks say whether one version has seen another (`compare`); they never decide which
/// value wins (stamps do), which is what keeps `merge` a semilattice on any input.
/// On the wire: an object from replica id to count, e.g. `{"9f2c4e1a0b7d6c5e": 3}`.
public struct VectorClock: Hashable, Sendable, Codable {
    /// The causal relation of two clocks.
    public enum Order: String, Hashable, Sendable {
        case equal, before, after, concurrent
    }

    public private(set) var entries: [ReplicaID: UInt64]

    public init(_ entries: [ReplicaID: UInt64] = [:]) {
        self.entries = entries.filter { $0.value > 0 }
    }

    public subscript(replica: ReplicaID) -> UInt64 { entries[replica] ?? 0 }

    /// Counts one more write by `replica` and returns the new count (the write's dot).
    @discardableResult
    public mutating func increment(_ replica: ReplicaID) -> UInt64 {
        let next = self[replica] + 1
        entries[replica] = next
        return next
    }

    /// Pointwise maximum: everything either clock has seen.
    public func joined(with other: VectorClock) -> VectorClock {
        var result = self
        for (replica, count) in other.entries where count > result[replica] {
            result.entries[replica] = count
        }
        return result
    }

    /// How `self` relates to `other`: `.before` means `other` has seen everything `self` has, and more.
    public func compare(_ other: VectorClock) -> Order {
        var less = false, greater = false
        for (replica, count) in entries {
            let theirs = other[replica]
            if count < theirs { less = true } else if count > theirs { greater = true }
        }
        for (replica, count) in other.entries where entries[replica] == nil && count > 0 {
            less = true
        }
        switch (less, greater) {
        case (false, false): return .equal
        case (true, false): return .before
        case (false, true): return .after
        case (true, true): return .concurrent
        }
    }

    /// Whether this clock has seen the write `dot` of `replica`.
    public func hasSeen(dot: UInt64, of replica: ReplicaID) -> Bool { self[replica] >= dot }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode([String: UInt64].self)
        var entries: [ReplicaID: UInt64] = [:]
        for (key, count) in raw where count > 0 {
            do { entries[try ReplicaID(key)] = count } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "clock key: \(error.message)")
            }
        }
        self.entries = entries
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: entries.map { ($0.key.rawValue, $0.value) }))
    }
}

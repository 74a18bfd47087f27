import Foundation

extension PushResult {
    /// What the server did with one pushed version.
    ///
    /// `accepted`: new information, stored. `stale`: already known, nothing changed (what a
    /// retried or duplicate push gets). `merged`: stored, and concurrent edits of some fields were
    /// settled by the merge order (`conflicts` says how many; each is in the server's journal).
    /// `rejected`: not stored; see `reason` and `message`.
    public enum Status: String, Codable, Sendable, Hashable, CaseIterable {
        case accepted, stale, merged, rejected
    }
}

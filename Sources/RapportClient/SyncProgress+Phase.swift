import Foundation

extension SyncProgress {
    /// The step of a sync.
    ///
    /// `resyncing` is reported once when the server turned out to be a new database (another epoch):
    /// every local record is queued again and the pull restarts from the beginning.
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        case pushing, pulling, resyncing
    }
}

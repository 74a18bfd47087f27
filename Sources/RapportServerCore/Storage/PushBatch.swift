import Foundation
import RapportMerge

/// One push request's versions for one workspace, as the storage merges them.
public struct PushBatch: Sendable {
    public var workspace: String
    public var versions: [RecordVersion]

    public init(workspace: String, versions: [RecordVersion]) {
        self.workspace = workspace
        self.versions = versions
    }
}

/// What the storage did with one `PushBatch`: an outcome per version, in order, and where the
/// workspace's feed ended once its commit was made.
public struct PushCommit: Sendable, Hashable {
    public var outcomes: [ServerPushOutcome]
    public var head: FeedPosition

    public init(outcomes: [ServerPushOutcome], head: FeedPosition) {
        self.outcomes = outcomes
        self.head = head
    }
}

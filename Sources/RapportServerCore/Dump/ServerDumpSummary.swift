/// How many rows of each kind a dump holds: the trailer line, and what export and import report.
public struct ServerDumpSummary: Hashable, Sendable {
    public var workspaces = 0
    public var tokens = 0
    public var records = 0
    public var conflicts = 0
    public var pushCommits = 0
    /// Fields declared in workspaces' schemas (0 in dumps written before declarations existed).
    public var declaredFields = 0

    public init(workspaces: Int = 0, tokens: Int = 0, records: Int = 0, conflicts: Int = 0, pushCommits: Int = 0, declaredFields: Int = 0) {
        self.declaredFields = declaredFields
        self.workspaces = workspaces
        self.tokens = tokens
        self.records = records
        self.conflicts = conflicts
        self.pushCommits = pushCommits
    }

    mutating func count(_ row: ServerDumpRow) {
        switch row {
        case .workspace: workspaces += 1
        case .token: tokens += 1
        case .record: records += 1
        case .conflict: conflicts += 1
        case .pushCommit: pushCommits += 1
        case .declaredField: declaredFields += 1
        }
    }
}

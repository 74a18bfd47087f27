/// One stored row of a server database as a dump line holds it (see `ServerDump`).
///
/// Times are milliseconds since 1970, exactly as stored. A record's `version` and a conflict's
/// `json` are the stored bytes, never re-encoded; their `entity` and `id` are the ones inside them
/// (a dump line does not repeat them: the reader takes them from the JSON).
package enum ServerDumpRow: Hashable, Sendable {
    case workspace(name: String, nextSequence: Int64, createdAtMillis: Int64)
    case token(id: String, workspace: String, label: String, secretHash: String, createdAtMillis: Int64, revokedAtMillis: Int64?)
    case record(workspace: String, sequence: Int64, entity: String, id: String, version: [UInt8])
    case conflict(workspace: String, sequence: Int64, entity: String, id: String, json: [UInt8])
    case pushCommit(workspace: String, lastSequence: Int64, tag: String)
    /// One field the workspace's schema declares (see `DeclaredField`), in declaration order.
    case declaredField(workspace: String, entity: String, field: String, kind: String, newEntity: Bool, declaredAtMillis: Int64)
}

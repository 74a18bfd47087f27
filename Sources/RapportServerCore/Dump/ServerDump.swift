/// The server dump: a whole server database as JSON Lines, for moving a team between backends
/// (SQLite to PostgreSQL and back) without a single client noticing.
///
/// A dump keeps what clients' cursors depend on: the epoch, every workspace's next sequence, every
/// record at its sequence with its version exactly as stored, the settled conflicts in delivery
/// order, and every push commit's tag. Imported into an empty database, it answers an old cursor
/// as the exported one would have, so no client resyncs. Token secrets are not in it (the server
/// never has them), but their hashes are: treat a dump like the database itself.
///
/// Lines, in this order (times are milliseconds since 1970, sequences are integers):
///
///     {"format":"rapport-server-dump","version":1,"epoch":"…","createdAt":…}
///     {"type":"workspace","name":"team","nextSequence":8,"createdAt":…}
///     {"type":"token","id":"…","workspace":"team","label":"…","secretHash":"…","createdAt":…,"revokedAt":null}
///     {"type":"declaredField","workspace":"team","entity":"account","field":"tier","kind":"optionalText","newEntity":false,"declaredAt":…}
///     {"type":"record","workspace":"team","sequence":3,"version":{…the stored version, verbatim…}}
///     {"type":"conflict","workspace":"team","sequence":5,"conflict":{…the stored conflict, verbatim…}}
///     {"type":"pushCommit","workspace":"team","lastSequence":5,"tag":"…"}
///     {"type":"end","workspaces":1,"tokens":2,"records":4,"conflicts":1,"pushCommits":3,"declaredFields":1}
///
/// The header's `createdAt` is when the epoch was created, not when the dump was made. Every
/// workspace comes before the rows that name it; its declared fields (see `DeclaredField`) come in
/// declaration order, before its records (a dump without them, or without the trailer's
/// `declaredFields`, is one written before schemas could be declared, and imports as declaring nothing); per workspace, records and push commits come in
/// increasing sequence order and conflicts in the order the feed delivers them. The trailer's
/// counts prove the file whole: a dump cut short anywhere is refused.
public enum ServerDump {
    /// The header's `format`.
    public static let format = "rapport-server-dump"
    /// The version this build writes and the only one it reads.
    public static let version = 1
}

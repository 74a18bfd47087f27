import Foundation

/// The sync server's schema history, separate from a replica's: a server file and a replica file
/// are different kinds of database and neither may be opened as the other. A migration is never
/// edited once it has shipped: fix forward with a new one.
enum ServerMigrations {
    /// 'RAPS': marks a SQLite file as a Rapport sync server database (replicas are 'RAPT').
    static let applicationID: Int32 = 0x5241_5053

    static let all: [Migration] = [
        Migration(version: 1, name: "server epoch, workspaces, tokens, merged records", sql: """
            CREATE TABLE _server (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                epoch TEXT NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE workspace (
                name TEXT PRIMARY KEY NOT NULL,
                next_sequence INTEGER NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE token (
                id TEXT PRIMARY KEY NOT NULL,
                workspace TEXT NOT NULL REFERENCES workspace(name),
                label TEXT NOT NULL,
                secret_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
            );
            CREATE INDEX token_workspace ON token(workspace);
            CREATE TABLE record (
                workspace TEXT NOT NULL REFERENCES workspace(name),
                entity TEXT NOT NULL,
                id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                version TEXT NOT NULL,
                PRIMARY KEY (workspace, entity, id)
            );
            CREATE UNIQUE INDEX record_feed ON record(workspace, sequence);
            """),
        Migration(version: 2, name: "conflicts settled by server merges, delivered with the feed", sql: """
            CREATE TABLE conflict (
                workspace TEXT NOT NULL REFERENCES workspace(name),
                sequence INTEGER NOT NULL,
                entity TEXT NOT NULL,
                id TEXT NOT NULL,
                json TEXT NOT NULL
            );
            CREATE INDEX conflict_record ON conflict(workspace, entity, id, sequence);
            """),
    ]
}

import Foundation
import RapportStore

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
        // A file copied back from a backup keeps its epoch and hands its lost sequences out again;
        // each storing push leaves a random tag for the sequences it wrote, and cursors carry the
        // tag, so a cursor from the lost history no longer matches. Feeds written before this
        // migration get one tag covering what they hold.
        Migration(version: 3, name: "push commits: a random tag per storing push, so cursors name their history", sql: """
            CREATE TABLE push_commit (
                workspace TEXT NOT NULL REFERENCES workspace(name),
                last_sequence INTEGER NOT NULL,
                tag TEXT NOT NULL,
                PRIMARY KEY (workspace, last_sequence)
            ) WITHOUT ROWID;
            INSERT INTO push_commit (workspace, last_sequence, tag)
                SELECT name, next_sequence - 1, lower(hex(randomblob(8))) FROM workspace WHERE next_sequence > 1;
            """),
        // What a workspace's schema adds to the built-in one (see `DeclaredField`), in order.
        Migration(version: 4, name: "fields and entities declared per workspace", sql: """
            CREATE TABLE workspace_field (
                workspace TEXT NOT NULL REFERENCES workspace(name),
                position INTEGER NOT NULL,
                entity TEXT NOT NULL,
                field TEXT NOT NULL,
                kind TEXT NOT NULL,
                new_entity INTEGER NOT NULL,
                declared_at INTEGER NOT NULL,
                PRIMARY KEY (workspace, position),
                UNIQUE (workspace, entity, field)
            ) WITHOUT ROWID;
            """),
    ]
}

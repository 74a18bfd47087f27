import Foundation

/// The PostgreSQL schema's history, numbered like the SQLite server's (`ServerMigrations`) and never
/// edited once shipped: fix forward with a new one. Each step is a list of single statements (the
/// extended query protocol runs one at a time), applied in one transaction under an advisory lock,
/// so several `rapport serve` processes starting together migrate once.
enum PostgresMigrations {
    struct Step {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let all: [Step] = [
        Step(version: 1, name: "server epoch, workspaces, tokens, merged records, settled conflicts, push commits", statements: [
            """
            CREATE TABLE rapport_server (
                singleton integer PRIMARY KEY CHECK (singleton = 1),
                epoch text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            // `next_sequence` is also the workspace's feed lock: a push takes the row FOR UPDATE
            // before it numbers anything and holds it to its commit (see PostgresStore.push).
            """
            CREATE TABLE workspace (
                name text PRIMARY KEY,
                next_sequence bigint NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE token (
                id text PRIMARY KEY,
                workspace text NOT NULL REFERENCES workspace(name),
                label text NOT NULL,
                secret_hash text NOT NULL,
                created_at bigint NOT NULL,
                revoked_at bigint
            )
            """,
            "CREATE INDEX token_workspace ON token (workspace)",
            """
            CREATE TABLE record (
                workspace text NOT NULL REFERENCES workspace(name),
                entity text NOT NULL,
                id text NOT NULL,
                sequence bigint NOT NULL,
                version text NOT NULL,
                PRIMARY KEY (workspace, entity, id)
            )
            """,
            "CREATE UNIQUE INDEX record_feed ON record (workspace, sequence)",
            """
            CREATE TABLE conflict (
                conflict_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace text NOT NULL REFERENCES workspace(name),
                sequence bigint NOT NULL,
                entity text NOT NULL,
                id text NOT NULL,
                json text NOT NULL
            )
            """,
            "CREATE INDEX conflict_record ON conflict (workspace, entity, id, sequence)",
            """
            CREATE TABLE push_commit (
                workspace text NOT NULL REFERENCES workspace(name),
                last_sequence bigint NOT NULL,
                tag text NOT NULL,
                PRIMARY KEY (workspace, last_sequence)
            )
            """,
        ]),
        // What a workspace's schema adds to the built-in one (see `DeclaredField`), in order.
        Step(version: 2, name: "fields and entities declared per workspace", statements: [
            """
            CREATE TABLE workspace_field (
                workspace text NOT NULL REFERENCES workspace(name),
                position bigint NOT NULL,
                entity text NOT NULL,
                field text NOT NULL,
                kind text NOT NULL,
                new_entity boolean NOT NULL,
                declared_at bigint NOT NULL,
                PRIMARY KEY (workspace, position),
                UNIQUE (workspace, entity, field)
            )
            """,
        ]),
    ]
}

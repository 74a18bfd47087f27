import Foundation

/// The store's schema history. A migration is never edited once it has shipped: fix forward
/// with a new one. Entity tables have one column per field of their `EntitySchema` (tests check
/// they agree), plus `_deleted` (the tombstone, for queries), `_version` (see `VersionCodec`) and `_seq` (the
/// replica's change counter when the row last changed, locally or by a merge; `export --since`) and,
/// from migration 6, `_pending` (the number of the record's outbox entry; see `ReplicaCore+Outbox`).
enum StoreMigrations {
    /// 'RAPT': marks a SQLite file as a Rapport replica.
    static let applicationID: Int32 = 0x5241_5054

    static let all: [Migration] = [
        Migration(version: 1, name: "replica, entities, outbox, conflict journal", sql: """
            CREATE TABLE _replica (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                replica_id TEXT NOT NULL,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                hlc_wall INTEGER NOT NULL,
                hlc_counter INTEGER NOT NULL,
                change_counter INTEGER NOT NULL,
                cursor TEXT NOT NULL DEFAULT '',
                last_sync_at INTEGER,
                max_drift_ms INTEGER NOT NULL
            );
            CREATE TABLE account (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT, segment TEXT, arr REAL, renewalDate REAL, owner TEXT,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL
            );
            CREATE TABLE stakeholder (
                id TEXT PRIMARY KEY NOT NULL,
                accountID TEXT, name TEXT, role TEXT, email TEXT,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL
            );
            CREATE INDEX stakeholder_account ON stakeholder(accountID);
            CREATE TABLE assessment (
                id TEXT PRIMARY KEY NOT NULL,
                accountID TEXT, stakeholderID TEXT, assessedAt REAL, trust TEXT, respect TEXT, note TEXT,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL
            );
            CREATE INDEX assessment_account_time ON assessment(accountID, assessedAt);
            CREATE TABLE crisis (
                id TEXT PRIMARY KEY NOT NULL,
                accountID TEXT, startedAt REAL, resolvedAt REAL, severity TEXT, summary TEXT,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL
            );
            CREATE INDEX crisis_account ON crisis(accountID);
            CREATE TABLE objective (
                id TEXT PRIMARY KEY NOT NULL,
                key TEXT, name TEXT, direction TEXT, target REAL, normaliser TEXT,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL
            );
            CREATE TABLE measurement (
                id TEXT PRIMARY KEY NOT NULL,
                objectiveID TEXT, period TEXT, value REAL,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL
            );
            CREATE INDEX measurement_period ON measurement(period);
            CREATE TABLE weightSet (
                id TEXT PRIMARY KEY NOT NULL,
                effectiveFrom REAL, reason TEXT, weights TEXT,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL
            );
            CREATE TABLE _outbox (
                entity TEXT NOT NULL,
                id TEXT NOT NULL,
                change INTEGER NOT NULL,
                PRIMARY KEY (entity, id)
            ) WITHOUT ROWID;
            CREATE INDEX _outbox_change ON _outbox(change);
            CREATE TABLE _conflict (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                entity TEXT NOT NULL,
                record_id TEXT NOT NULL,
                field TEXT NOT NULL,
                kind TEXT NOT NULL,
                local_value TEXT NOT NULL,
                local_stamp TEXT NOT NULL,
                remote_value TEXT NOT NULL,
                remote_stamp TEXT NOT NULL,
                winner TEXT NOT NULL,
                reason TEXT NOT NULL,
                detected_at INTEGER NOT NULL,
                resolved_at INTEGER,
                resolution TEXT
            );
            CREATE INDEX _conflict_open ON _conflict(resolved_at);
            """),
        Migration(version: 2, name: "rejected outbox entries", sql: """
            CREATE TABLE _rejected (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                entity TEXT NOT NULL,
                id TEXT NOT NULL,
                change INTEGER NOT NULL,
                reason TEXT NOT NULL,
                message TEXT NOT NULL,
                rejected_at INTEGER NOT NULL
            );
            """),
        Migration(version: 3, name: "local change sequence per row, for export --since", sql: """
            ALTER TABLE account ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE stakeholder ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE assessment ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE crisis ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE objective ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE measurement ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE weightSet ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(version: 4, name: "find a journaled pair of writes without a scan", sql: """
            CREATE INDEX _conflict_record ON _conflict(entity, record_id, field);
            """),
        Migration(version: 5, name: "cursor bound to a workspace, last server time, versions kept for a later app, replicated resolutions", sql: """
            ALTER TABLE _replica ADD COLUMN workspace TEXT;
            ALTER TABLE _replica ADD COLUMN server_time INTEGER;
            ALTER TABLE _replica ADD COLUMN previous_ids TEXT NOT NULL DEFAULT '';
            ALTER TABLE _replica ADD COLUMN sane_wall INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE _replica ADD COLUMN sane_counter INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE _replica ADD COLUMN pushed_cursor TEXT;
            CREATE TABLE _unreadable (
                entity TEXT NOT NULL,
                id TEXT NOT NULL,
                version TEXT NOT NULL,
                reason TEXT NOT NULL,
                kept_at INTEGER NOT NULL,
                PRIMARY KEY (entity, id)
            ) WITHOUT ROWID;
            CREATE TABLE resolution (
                id TEXT PRIMARY KEY NOT NULL,
                entity TEXT, recordID TEXT, field TEXT, stamps TEXT, outcome TEXT, resolvedAt REAL,
                _deleted INTEGER NOT NULL, _version BLOB NOT NULL, _seq INTEGER NOT NULL DEFAULT 0
            );
            """),
        // Before: a local write touched two outbox B-trees (the (entity, id) key and the change
        // index). Now the outbox is one rowid table appended in change order, and a record's
        // entry is found through its row (`_pending`), which the write updates anyway.
        Migration(version: 6, name: "outbox keyed by change number, pending change kept in the row", sql: """
            ALTER TABLE account ADD COLUMN _pending INTEGER;
            ALTER TABLE stakeholder ADD COLUMN _pending INTEGER;
            ALTER TABLE assessment ADD COLUMN _pending INTEGER;
            ALTER TABLE crisis ADD COLUMN _pending INTEGER;
            ALTER TABLE objective ADD COLUMN _pending INTEGER;
            ALTER TABLE measurement ADD COLUMN _pending INTEGER;
            ALTER TABLE weightSet ADD COLUMN _pending INTEGER;
            ALTER TABLE resolution ADD COLUMN _pending INTEGER;
            CREATE TABLE _outbox_by_change (
                change INTEGER PRIMARY KEY,
                entity TEXT NOT NULL,
                id TEXT NOT NULL
            );
            INSERT INTO _outbox_by_change (change, entity, id) SELECT change, entity, id FROM _outbox ORDER BY change;
            UPDATE account SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'account' AND o.id = account.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'account');
            UPDATE stakeholder SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'stakeholder' AND o.id = stakeholder.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'stakeholder');
            UPDATE assessment SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'assessment' AND o.id = assessment.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'assessment');
            UPDATE crisis SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'crisis' AND o.id = crisis.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'crisis');
            UPDATE objective SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'objective' AND o.id = objective.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'objective');
            UPDATE measurement SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'measurement' AND o.id = measurement.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'measurement');
            UPDATE weightSet SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'weightSet' AND o.id = weightSet.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'weightSet');
            UPDATE resolution SET _pending = (SELECT change FROM _outbox o WHERE o.entity = 'resolution' AND o.id = resolution.id)
                WHERE id IN (SELECT id FROM _outbox WHERE entity = 'resolution');
            DROP TABLE _outbox;
            ALTER TABLE _outbox_by_change RENAME TO _outbox;
            """),
        // Fields of known entities that a newer app wrote and this build's schema lacks: kept per
        // record so that they merge, travel with the record's pushes and exports, and become
        // columns once an upgraded schema knows them (see `ReplicaSchema`).
        Migration(version: 7, name: "fields from newer app versions, kept per record", sql: """
            CREATE TABLE _extra_fields (
                entity TEXT NOT NULL,
                id TEXT NOT NULL,
                field TEXT NOT NULL,
                stamped TEXT NOT NULL,
                PRIMARY KEY (entity, id, field)
            ) WITHOUT ROWID;
            """),
    ]
}

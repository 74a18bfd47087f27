import Foundation
import PostgresNIO
import RapportServerCore
import RapportStore

extension PostgresStore {
    /// Rows read or written per statement: large enough that round trips do not dominate, small
    /// enough that a page of big versions stays a few megabytes.
    static let dumpPage: Int64 = 500

    /// Writes the whole schema as a server dump from one REPEATABLE READ snapshot (see
    /// `ServerDatabase.exportDump(to:)`), paging through records, conflicts and push commits.
    ///
    /// Never retried: lines already written cannot be taken back, so a connection lost half-way
    /// fails the export (`.busy`) and it is run again. Names are ordered bytewise (`COLLATE "C"`),
    /// as SQLite orders them, so both backends write the same dump of the same data.
    public func exportDump(to write: ([UInt8]) throws -> Void) throws -> ServerDumpSummary {
        // The caller's own error, kept aside: through `transaction` it would pass for a network failure.
        var failure: (any Error)?
        func send(_ line: [UInt8]) throws {
            do { try write(line) } catch {
                failure = error
                throw StoreError(code: .invalidArgument, message: "the dump's writer failed")
            }
        }
        do {
            return try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", attempts: 1) { tx in
                try writeDump(tx, send)
            }
        } catch {
            throw failure ?? error
        }
    }

    private func writeDump(_ tx: Transaction, _ write: ([UInt8]) throws -> Void) throws -> ServerDumpSummary {
        var writer = ServerDumpWriter()
        guard let server = try tx.run("SELECT epoch, created_at FROM rapport_server").first else {
            throw StoreError(code: .corruptDatabase, message: "the PostgreSQL schema '\(schema)' of \(location) has no epoch")
        }
        let (epoch, created) = try server.decode((String, Int64).self)
        noteEpoch(epoch)
        try write(ServerDumpWriter.line(for: ServerDumpHeader(epoch: epoch, createdAtMillis: created)))
        var names: [String] = []
        for row in try tx.run(#"SELECT name, next_sequence, created_at FROM workspace ORDER BY name COLLATE "C""#) {
            let (name, next, created) = try row.decode((String, Int64, Int64).self)
            names.append(name)
            try write(writer.line(for: .workspace(name: name, nextSequence: next, createdAtMillis: created)))
        }
        for row in try tx.run(#"SELECT id, workspace, label, secret_hash, created_at, revoked_at FROM token ORDER BY created_at, id COLLATE "C""#) {
            let (id, workspace, label, hash, created, revoked) = try row.decode((String, String, String, String, Int64, Int64?).self)
            try write(writer.line(for: .token(id: id, workspace: workspace, label: label, secretHash: hash,
                                              createdAtMillis: created, revokedAtMillis: revoked)))
        }
        for name in names {
            for row in try tx.run("SELECT entity, field, kind, new_entity, declared_at FROM workspace_field WHERE workspace = \(name) ORDER BY position") {
                let (entity, field, kind, newEntity, declared) = try row.decode((String, String, String, Bool, Int64).self)
                try write(writer.line(for: .declaredField(workspace: name, entity: entity, field: field, kind: kind, newEntity: newEntity,
                                                          declaredAtMillis: declared)))
            }
            var after: Int64 = 0
            while true {
                let rows = try tx.run("""
                    SELECT sequence, entity, id, version FROM record WHERE workspace = \(name) AND sequence > \(after)
                    ORDER BY sequence LIMIT \(Self.dumpPage)
                    """)
                for row in rows {
                    let (sequence, entity, id, version) = try row.decode((Int64, String, String, String).self)
                    try write(writer.line(for: .record(workspace: name, sequence: sequence, entity: Self.value(ofColumn: entity),
                                                       id: Self.value(ofColumn: id), version: Array(version.utf8))))
                    after = sequence
                }
                if rows.count < Int(Self.dumpPage) { break }
            }
            // Delivery order: by sequence, then as stored (see PostgresStore+Feed).
            var position: (sequence: Int64, number: Int64) = (0, 0)
            while true {
                let rows = try tx.run("""
                    SELECT sequence, conflict_no, entity, id, json FROM conflict
                    WHERE workspace = \(name) AND (sequence, conflict_no) > (\(position.sequence), \(position.number))
                    ORDER BY sequence, conflict_no LIMIT \(Self.dumpPage)
                    """)
                for row in rows {
                    let (sequence, number, entity, id, json) = try row.decode((Int64, Int64, String, String, String).self)
                    try write(writer.line(for: .conflict(workspace: name, sequence: sequence, entity: Self.value(ofColumn: entity),
                                                         id: Self.value(ofColumn: id), json: Array(json.utf8))))
                    position = (sequence, number)
                }
                if rows.count < Int(Self.dumpPage) { break }
            }
            after = 0
            while true {
                let rows = try tx.run("""
                    SELECT last_sequence, tag FROM push_commit WHERE workspace = \(name) AND last_sequence > \(after)
                    ORDER BY last_sequence LIMIT \(Self.dumpPage)
                    """)
                for row in rows {
                    let (last, tag) = try row.decode((Int64, String).self)
                    try write(writer.line(for: .pushCommit(workspace: name, lastSequence: last, tag: tag)))
                    after = last
                }
                if rows.count < Int(Self.dumpPage) { break }
            }
        }
        try write(writer.trailer())
        return writer.summary
    }

    /// Loads a server dump into this schema in one transaction (see `ServerDatabase.importDump(from:)`),
    /// a few hundred rows per statement; the schema's own epoch gives way to the dump's.
    ///
    /// The workspace table is locked against writers first, so no workspace can appear beside the
    /// import. A transient failure retries the whole import from the dump's first line.
    public func importDump(from reader: ServerDumpReader) throws -> ServerDumpSummary {
        let (epoch, summary): (String, ServerDumpSummary)
        do {
            (epoch, summary) = try transaction { tx in
                _ = try tx.run("LOCK TABLE workspace IN SHARE ROW EXCLUSIVE MODE")
                if let row = try tx.run(#"SELECT name, count(*) OVER () FROM workspace ORDER BY name COLLATE "C" LIMIT 1"#).first {
                    let (first, count) = try row.decode((String, Int64).self)
                    throw ServerStore.notEmpty(location, workspaces: count, first: first)
                }
                try reader.rewind()
                let header = try reader.readHeader()
                _ = try tx.run("UPDATE rapport_server SET epoch = \(header.epoch), created_at = \(header.createdAtMillis)")
                var batch: [ServerDumpRow] = []
                while let row = try reader.next() {
                    if let first = batch.first, Self.kind(first) != Self.kind(row) || batch.count >= Int(Self.dumpPage) {
                        try insert(batch, tx)
                        batch.removeAll(keepingCapacity: true)
                    }
                    batch.append(row)
                }
                try insert(batch, tx)
                return (header.epoch, reader.summary)
            }
        } catch let error as StoreError where error.code == .constraint {
            throw StoreError(code: .invalidData, message: "a line of \(reader.path) up to line \(reader.lineNumber) repeats a record an earlier line holds (the same entity and id in one workspace); nothing was imported")
        }
        noteEpoch(epoch)
        return summary
    }

    private static func kind(_ row: ServerDumpRow) -> Int {
        switch row {
        case .workspace: 0
        case .token: 1
        case .record: 2
        case .conflict: 3
        case .pushCommit: 4
        case .declaredField: 5
        }
    }

    /// Inserts rows of one kind in one statement (tokens, which are few, one at a time).
    private func insert(_ rows: [ServerDumpRow], _ tx: Transaction) throws {
        var names: [String] = [], workspaces: [String] = [], entities: [String] = [], ids: [String] = []
        var numbers: [Int64] = [], created: [Int64] = [], texts: [String] = []
        for row in rows {
            switch row {
            case let .workspace(name, next, createdAt):
                names.append(name)
                numbers.append(next)
                created.append(createdAt)
            case let .token(id, workspace, label, hash, createdAt, revokedAt):
                _ = try tx.run("""
                    INSERT INTO token (id, workspace, label, secret_hash, created_at, revoked_at)
                    VALUES (\(id), \(workspace), \(label), \(hash), \(createdAt), \(revokedAt))
                    """)
            case let .record(workspace, sequence, entity, id, version):
                workspaces.append(workspace)
                numbers.append(sequence)
                entities.append(Self.column(entity))
                ids.append(Self.column(id))
                texts.append(String(decoding: version, as: UTF8.self))
            case let .conflict(workspace, sequence, entity, id, json):
                workspaces.append(workspace)
                numbers.append(sequence)
                entities.append(Self.column(entity))
                ids.append(Self.column(id))
                texts.append(String(decoding: json, as: UTF8.self))
            case let .pushCommit(workspace, last, tag):
                workspaces.append(workspace)
                numbers.append(last)
                texts.append(tag)
            case let .declaredField(workspace, entity, field, kind, newEntity, declared):
                _ = try tx.run("""
                    INSERT INTO workspace_field (workspace, position, entity, field, kind, new_entity, declared_at)
                    VALUES (\(workspace), (SELECT count(*) FROM workspace_field WHERE workspace = \(workspace)), \(entity), \(field), \(kind),
                            \(newEntity), \(declared))
                    """)
            }
        }
        switch rows.first {
        case .workspace?:
            _ = try tx.run("""
                INSERT INTO workspace (name, next_sequence, created_at)
                SELECT * FROM unnest(\(names)::text[], \(numbers)::int8[], \(created)::int8[])
                """)
        case .record?:
            _ = try tx.run("""
                INSERT INTO record (workspace, entity, id, sequence, version)
                SELECT * FROM unnest(\(workspaces)::text[], \(entities)::text[], \(ids)::text[], \(numbers)::int8[], \(texts)::text[])
                """)
        case .conflict?:
            // Numbered (conflict_no) in the dump's order, which is the order the feed delivers them.
            _ = try tx.run("""
                INSERT INTO conflict (workspace, sequence, entity, id, json)
                SELECT t.workspace, t.sequence, t.entity, t.id, t.json
                FROM unnest(\(workspaces)::text[], \(numbers)::int8[], \(entities)::text[], \(ids)::text[], \(texts)::text[])
                     WITH ORDINALITY AS t(workspace, sequence, entity, id, json, n)
                ORDER BY t.n
                """)
        case .pushCommit?:
            _ = try tx.run("""
                INSERT INTO push_commit (workspace, last_sequence, tag)
                SELECT * FROM unnest(\(workspaces)::text[], \(numbers)::int8[], \(texts)::text[])
                """)
        case .token?, .declaredField?, nil:
            break
        }
    }

    /// The value a key column holds (see `column(_:)`): `%00` back to NUL and `%25` back to `%`.
    static func value(ofColumn column: String) -> String {
        guard column.utf8.contains(37) else { return column }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(column.utf8.count)
        var rest = column.utf8[...]
        while let byte = rest.popFirst() {
            if byte == 37, rest.count >= 2 {
                let code = Array(rest.prefix(2))
                if code == [48, 48] { bytes.append(0); rest.removeFirst(2); continue }
                if code == [50, 53] { bytes.append(37); rest.removeFirst(2); continue }
            }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

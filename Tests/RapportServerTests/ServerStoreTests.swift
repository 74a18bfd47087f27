import Foundation
import RapportMerge
@testable import RapportServerCore
@testable import RapportStore
import Testing

/// The server database: epoch, workspaces, tokens, and the per-workspace merged feed.
@Suite final class ServerStoreTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ServerStoreTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String = "server.db") -> String { directory.appendingPathComponent(name).path }

    /// A stamp `millis` after now, written by `replica`.
    private static func stamp(_ millis: Int64, _ replica: ReplicaID) -> Stamp {
        Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis() + millis), replica: replica)
    }

    private func storeWithWorkspace(_ name: String = "team") throws -> ServerStore {
        let store = try ServerStore.open(at: path(), create: true)
        try store.addWorkspace(name)
        return store
    }

    // MARK: file and epoch

    @Test func theEpochIsKeptAcrossReopeningAndChangesWithANewFile() throws {
        let first = try ServerStore.open(at: path(), create: true).epoch
        #expect(try ServerStore.open(at: path()).epoch == first)
        #expect(first.count <= 64 && first.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" })
        try FileManager.default.removeItem(atPath: path())
        #expect(try ServerStore.open(at: path(), create: true).epoch != first)
    }

    @Test func aFeedWrittenBeforeCommitTagsGetsOneTagSoItsReadersCursorsCarryOneFromNowOn() throws {
        // A file as the previous release left it: schema 2, one record pushed, no commit log.
        do {
            let db = try Database(path: path(), create: true)
            try Migrator(applicationID: ServerMigrations.applicationID, migrations: Array(ServerMigrations.all.prefix(2))).prepare(db)
            try db.execute("""
                INSERT INTO _server (singleton, epoch, created_at) VALUES (1, 'old-epoch', 0);
                INSERT INTO workspace (name, next_sequence, created_at) VALUES ('team', 2, 0);
                INSERT INTO record (workspace, entity, id, sequence, version) VALUES ('team', 'account', 'a', 1, '{}');
                """)
            db.close()
        }
        let store = try ServerStore.open(at: path())
        let head = try store.feedHead(workspace: "team")
        #expect(head.epoch == "old-epoch" && head.sequence == 1)
        let tag = try #require(head.tag)
        // The old two-part cursor is still served, and a cursor with the new tag too.
        #expect(try store.changes(workspace: "team", since: FeedPosition(epoch: "old-epoch", sequence: 1), limit: 10).next == head)
        #expect(try store.changes(workspace: "team", since: head, limit: 10).next == head)
        #expect { try store.changes(workspace: "team", since: FeedPosition(epoch: "old-epoch", sequence: 1, tag: tag == "0000000000000000" ? "1111111111111111" : "0000000000000000"), limit: 10) }
            throws: { ($0 as? StoreError)?.code == .historyChanged }
    }

    @Test func commitsAreSyncedToDiskBecauseAnAcknowledgedPushLeavesTheClientForGood() throws {
        let store = try ServerStore.open(at: path(), create: true)
        let mode = try store.withDatabase { db in
            let statement = try db.prepare("PRAGMA synchronous")
            _ = try statement.step()
            return statement.string(0)
        }
        #expect(mode == "2", "synchronous must be FULL (2): a server acknowledgement lets the client drop its copy")
    }

    @Test func openingWithoutCreateRefusesAMissingFile() {
        #expect { try ServerStore.open(at: self.path("absent.db")) } throws: { ($0 as? StoreError)?.code == .fileNotFound }
    }

    @Test func aReplicaFileIsNotAServerDatabase() throws {
        _ = try Store.create(at: path("replica.rapport"))
        #expect { try ServerStore.open(at: self.path("replica.rapport")) } throws: { ($0 as? StoreError)?.code == .notARapportDatabase }
    }

    // MARK: workspaces

    @Test func workspaceNamesAreCheckedAndUnique() throws {
        let store = try storeWithWorkspace("team-a_1")
        for bad in ["", "has space", "slash/name", String(repeating: "x", count: 65), "ümlaut"] {
            #expect { try store.addWorkspace(bad) } throws: { ($0 as? StoreError)?.code == .invalidArgument }
        }
        #expect { try store.addWorkspace("team-a_1") } throws: { ($0 as? StoreError)?.code == .conflict }
        #expect(try store.hasWorkspace("team-a_1"))
        #expect(try !store.hasWorkspace("team-b"))
    }

    @Test func workspacesListTheirRecordCountAndLatestSequence() throws {
        let store = try storeWithWorkspace("b-team")
        try store.addWorkspace("a-team")
        _ = try store.push(workspace: "b-team", versions: [Fixtures.account("x"), Fixtures.account("y")])
        let listed = try store.workspaces()
        #expect(listed.map(\.name) == ["a-team", "b-team"])
        #expect(listed.map(\.records) == [0, 2])
        #expect(listed.map(\.latestSequence) == [0, 2])
    }

    // MARK: tokens

    @Test func tokensAreListedWithoutSecretsAndRevokedForGood() throws {
        let store = try storeWithWorkspace("team")
        try store.addWorkspace("other")
        let first = try store.addToken(id: "aaaa1111", workspace: "team", label: "laptop", secretHash: "hash-1")
        try store.addToken(id: "bbbb2222", workspace: "other", label: "phone", secretHash: "hash-2")
        #expect(try store.tokens(workspace: "team") == [first])
        #expect(try store.tokens().map(\.id).sorted() == ["aaaa1111", "bbbb2222"])
        #expect(try store.tokenCredential(id: "aaaa1111") == TokenCredential(workspace: "team", secretHash: "hash-1", isRevoked: false))

        let revoked = try store.revokeToken(id: "aaaa1111", now: Date(timeIntervalSince1970: 1_000))
        #expect(revoked.isRevoked)
        #expect(try store.revokeToken(id: "aaaa1111").revokedAt == revoked.revokedAt)
        #expect(try store.tokenCredential(id: "aaaa1111")?.isRevoked == true)
        #expect(try store.tokenCredential(id: "nope") == nil)
    }

    @Test func tokensNeedAnExistingWorkspaceAndAFreshId() throws {
        let store = try storeWithWorkspace("team")
        #expect { try store.addToken(id: "c0ffee", workspace: "ghost", label: "x", secretHash: "h") } throws: { ($0 as? StoreError)?.code == .notFound }
        try store.addToken(id: "c0ffee", workspace: "team", label: "x", secretHash: "h")
        #expect { try store.addToken(id: "c0ffee", workspace: "team", label: "y", secretHash: "h") } throws: { ($0 as? StoreError)?.code == .conflict }
        #expect { try store.addToken(id: "has_underscore", workspace: "team", label: "y", secretHash: "h") } throws: { ($0 as? StoreError)?.code == .invalidArgument }
        #expect { try store.revokeToken(id: "ghost") } throws: { ($0 as? StoreError)?.code == .notFound }
        #expect { try store.tokens(workspace: "ghost") } throws: { ($0 as? StoreError)?.code == .notFound }
    }

    // MARK: push

    @Test func aNewRecordIsAcceptedAndTheSamePushAgainIsStaleWithoutNewSequences() throws {
        let store = try storeWithWorkspace()
        let versions = [Fixtures.account("a1"), Fixtures.account("a2")]
        #expect(try store.push(workspace: "team", versions: versions) == [.accepted(sequence: 1), .accepted(sequence: 2)])
        #expect(try store.push(workspace: "team", versions: versions) == [.stale(sequence: 1), .stale(sequence: 2)])
        #expect(try store.latestSequence(workspace: "team") == 2)
    }

    @Test func aConflictTravelsWithItsRecordUntilItsResolutionArrives() throws {
        let store = try storeWithWorkspace()
        let base = Fixtures.account("a1", name: "Acme")
        _ = try store.push(workspace: "team", versions: [base])
        var onLaptop = base
        onLaptop.write(["name": .string("Acme Ltd")], stamp: Self.stamp(1, Fixtures.laptop))
        var onPhone = base
        onPhone.write(["name": .string("ACME")], stamp: Self.stamp(2, Fixtures.phone))
        _ = try store.push(workspace: "team", versions: [onLaptop])
        guard case .merged(_, let found)? = try store.push(workspace: "team", versions: [onPhone]).first, let conflict = found.first else {
            Issue.record("the concurrent edit was not merged with a conflict")
            return
        }
        // A later write alone says nothing about whether its writer saw the losing value.
        var later = merge(onLaptop, onPhone)
        later.write(["name": .string("Acme Ltd")], stamp: Self.stamp(3, Fixtures.laptop))
        _ = try store.push(workspace: "team", versions: [later])
        #expect(try store.changes(workspace: "team", after: 0, limit: 10).entries.flatMap(\.conflicts).count == 1)
        // Its replicated resolution does.
        let resolution = ConflictResolution(conflict: conflict, outcome: "took theirs", resolvedAt: Date())
        let record = RecordVersion.create(entity: "resolution", id: resolution.id, fields: resolution.fieldValues,
                                          stamp: Self.stamp(4, Fixtures.laptop))
        #expect(try store.push(workspace: "team", versions: [record]).first.map { if case .accepted = $0 { true } else { false } } == true)
        #expect(try store.changes(workspace: "team", after: 0, limit: 10).entries.flatMap(\.conflicts).isEmpty)
    }

    @Test func aCausallyNewerVersionIsAcceptedAndConcurrentEditsAreMergedWithTheirConflictCount() throws {
        let store = try storeWithWorkspace()
        let base = Fixtures.account("a1", name: "Acme")
        _ = try store.push(workspace: "team", versions: [base])
        var onLaptop = base
        onLaptop.write(["name": .string("Acme Ltd")], stamp: Self.stamp(1, Fixtures.laptop))
        var onPhone = base
        onPhone.write(["name": .string("ACME"), "segment": .string("enterprise")],
                      stamp: Self.stamp(2, Fixtures.phone))

        #expect(try store.push(workspace: "team", versions: [onLaptop]) == [.accepted(sequence: 2)])
        let merged = try store.push(workspace: "team", versions: [onPhone])
        #expect(merged == [.merged(sequence: 3, conflicts: conflicts(between: merge(base, onLaptop), and: onPhone))])
        guard case .merged(_, let settled) = merged.first else { return }
        #expect(settled.map(\.field) == ["name"])
        #expect(try store.push(workspace: "team", versions: [onLaptop, onPhone]) == [.stale(sequence: 3), .stale(sequence: 3)])

        let stored = try JSONDecoder().decode(RecordVersion.self, from: Data(try store.changes(workspace: "team", after: 0, limit: 10).entries[0].json.utf8))
        #expect(stored == merge(onLaptop, onPhone))
        #expect(stored.values["name"] == .string("ACME"))
        #expect(stored.values["segment"] == .string("enterprise"))
    }

    @Test func aBadVersionIsRejectedWithoutFailingTheOthers() throws {
        let store = try storeWithWorkspace()
        let future = Fixtures.account("late", wall: Fixtures.nowMillis() + 48 * 3_600_000)
        let stranger = RecordVersion.create(entity: "planet", id: "p1", fields: ["name": .string("x")],
                                            stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis()), replica: Fixtures.laptop))
        let outcomes = try store.push(workspace: "team", versions: [Fixtures.account("ok1"), future, stranger, Fixtures.account("ok2")])
        #expect(outcomes[0] == .accepted(sequence: 1))
        #expect(outcomes[3] == .accepted(sequence: 2))
        guard case .rejected(let drift, _) = outcomes[1], case .rejected(let unknown, _) = outcomes[2] else {
            Issue.record("expected rejections, got \(outcomes)")
            return
        }
        #expect(drift == "clock_drift")
        #expect(unknown == "unknown_entity")
    }

    @Test func sequencesArePerWorkspaceAndAnUnknownWorkspaceIsNotFound() throws {
        let store = try storeWithWorkspace("one")
        try store.addWorkspace("two")
        _ = try store.push(workspace: "one", versions: [Fixtures.account("a"), Fixtures.account("b")])
        #expect(try store.push(workspace: "two", versions: [Fixtures.account("a")]) == [.accepted(sequence: 1)])
        #expect { try store.push(workspace: "three", versions: [Fixtures.account("a")]) } throws: { ($0 as? StoreError)?.code == .notFound }
        #expect { try store.changes(workspace: "three", after: 0, limit: 1) } throws: { ($0 as? StoreError)?.code == .notFound }
    }

    // MARK: feed

    @Test func theFeedPagesInSequenceOrderAndAMovedRecordAppearsOnlyAtItsNewPosition() throws {
        let store = try storeWithWorkspace()
        _ = try store.push(workspace: "team", versions: ["a", "b", "c"].map { Fixtures.account($0) })
        var edited = Fixtures.account("a")
        edited.write(["arr": .number(5)], stamp: Self.stamp(5, Fixtures.laptop))
        _ = try store.push(workspace: "team", versions: [edited])

        let first = try store.changes(workspace: "team", after: 0, limit: 2)
        #expect(first.entries.map(\.sequence) == [2, 3])
        #expect(first.hasMore && first.latestSequence == 4)
        let second = try store.changes(workspace: "team", after: 3, limit: 2)
        #expect(second.entries.map(\.sequence) == [4])
        #expect(!second.hasMore)
        #expect(try store.changes(workspace: "team", after: 4, limit: 2).entries.isEmpty)
    }

    @Test func pullingUsesTheFeedIndexInsteadOfScanning() throws {
        let plan = try storeWithWorkspace().feedQueryPlan().joined(separator: "\n")
        #expect(plan.contains("record_feed"))
        #expect(!plan.contains("SCAN record"))
        #expect(!plan.contains("TEMP B-TREE"))
    }
}

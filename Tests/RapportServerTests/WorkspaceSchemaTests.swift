import Foundation
import Hummingbird
import HummingbirdTesting
import RapportMerge
import RapportProtocol
@testable import RapportServer
import RapportStore
import Testing

/// A workspace accepts fields and entities beyond the built-in ones once they are declared for
/// it; every other push carrying them is refused with a reason that says how to declare them.
/// Runs on both backends (`RAPPORT_TEST_BACKEND`).
@Suite struct WorkspaceSchemaTests {
    static let tier = SchemaAddition.fields([("tier", .optionalText)], of: "account")
    static let playbook = SchemaAddition.entity("playbook", fields: [("title", .optionalText)])

    static func withTier(_ id: String, _ tier: FieldValue = .string("gold")) -> RecordVersion {
        var version = Fixtures.account(id)
        version.fields["tier"] = Stamped(tier, stamp: version.deleted.stamp, dot: version.deleted.dot)
        return version
    }

    static func playbook(_ id: String) -> RecordVersion {
        RecordVersion.create(entity: "playbook", id: id, fields: ["title": .string("Renewal")],
                             stamp: Stamp(hlc: HLCTimestamp(wallMillis: Fixtures.nowMillis()), replica: Fixtures.laptop))
    }

    @Test func anUndeclaredFieldOrEntityIsRefusedWithHowToDeclareIt() throws {
        let fixture = try ServerFixture()
        let outcomes = try fixture.store.push(workspace: "alpha", versions: [Self.withTier("a1"), Self.playbook("p1"), Fixtures.account("a2")])
        guard case .rejected(let fieldReason, let fieldMessage) = outcomes[0], case .rejected(let entityReason, let entityMessage) = outcomes[1] else {
            Issue.record("accepted undeclared data: \(outcomes)")
            return
        }
        #expect(fieldReason == "unknown_field")
        #expect(fieldMessage.contains("rapport server schema add-field"))
        #expect(entityReason == "unknown_entity")
        #expect(entityMessage.contains("add-entity"))
        if case .rejected = outcomes[2] { Issue.record("a version without the field was refused") }
    }

    @Test func aDeclaredFieldAndEntityAreAcceptedAndServedInTheFeedForThatWorkspaceOnly() throws {
        let fixture = try ServerFixture()
        try fixture.store.declare(Self.tier, workspace: "alpha", now: Date())
        try fixture.store.declare(Self.playbook, workspace: "alpha", now: Date())
        let outcomes = try fixture.store.push(workspace: "alpha", versions: [Self.withTier("a1"), Self.playbook("p1"), Fixtures.account("a2")])
        for outcome in outcomes { if case .rejected(let reason, _) = outcome { Issue.record("refused: \(reason)") } }
        let page = try fixture.store.changes(workspace: "alpha", after: 0, limit: 10)
        let stored = try page.entries.map { try WireCoding.decodeVersion(Array($0.json.utf8)) }
        #expect(stored.first { $0.id == "a1" }?.fields["tier"]?.value == .string("gold"))
        #expect(stored.contains { $0.entity == "playbook" })

        let beta = try fixture.store.push(workspace: "beta", versions: [Self.withTier("b1")])
        guard case .rejected(let reason, _) = beta[0] else {
            Issue.record("beta accepted a field only alpha declares")
            return
        }
        #expect(reason == "unknown_field")
        #expect(try fixture.store.workspaceSchema("alpha").additions == [Self.tier, Self.playbook])
        #expect(try fixture.store.workspaceSchema("beta").additions.isEmpty)
    }

    @Test func declarationsThatCannotWorkAreRefusedAndChangeNothing() throws {
        let fixture = try ServerFixture()
        try fixture.store.declare(Self.tier, workspace: "alpha", now: Date())
        let bad: [(SchemaAddition, String)] = [
            (Self.tier, "already exists"),
            (.fields([("owner", .optionalText)], of: "account"), "built-in"),
            (.fields([("score", .number)], of: "account"), "must be optional"),
            (.fields([("x", .optionalText)], of: "invoice"), "no entity"),
            (.fields([("bad-name", .optionalText)], of: "account"), "not a field name"),
            (.entity("stakeholder", fields: [("x", .optionalText)]), "already exists"),
        ]
        for (addition, expected) in bad {
            do {
                try fixture.store.declare(addition, workspace: "alpha", now: Date())
                Issue.record("accepted \(addition)")
            } catch let error as StoreError {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
        #expect(throws: StoreError.self) { try fixture.store.declare(Self.playbook, workspace: "nowhere", now: Date()) }
        #expect(try fixture.store.workspaceSchema("alpha").additions == [Self.tier])
    }

    @Test func theSchemaEndpointAnswersTheDeclarationsToATokenOfTheWorkspaceOnly() async throws {
        let fixture = try ServerFixture()
        try fixture.store.declare(Self.tier, workspace: "alpha", now: Date())
        try fixture.store.declare(Self.playbook, workspace: "alpha", now: Date())
        let (alpha, beta) = (fixture.alphaSecret, fixture.betaSecret)
        try await fixture.withServer { client in
            let uri = Route.schema(workspace: "alpha")
            let answer = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(alpha)"])
            #expect(answer.status == .ok)
            answer.dump(as: "schema-response.json")
            let schema = try answer.decode(SchemaResponse.self)
            #expect(schema.workspace == "alpha")
            #expect(schema.declared == [
                SchemaResponse.Field(entity: "account", field: "tier", kind: "optionalText", newEntity: false),
                SchemaResponse.Field(entity: "playbook", field: "title", kind: "optionalText", newEntity: true),
            ])
            let anonymous = try await client.execute(uri: uri, method: .get)
            #expect(anonymous.status == .unauthorized)
            let other = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(beta)"])
            #expect(other.status == .forbidden)
            let post = try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(alpha)"])
            #expect(post.status == .methodNotAllowed)
        }
    }
}

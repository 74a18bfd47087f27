import ArgumentParser
import Foundation
import RapportServer
import RapportStore

extension ServerCommand {
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A workspace's schema: the fields and entities later app versions add (see the README's \"Adding a field or an entity\").",
            subcommands: [Show.self, AddField.self, AddEntity.self], defaultSubcommand: Show.self)

        /// The kind names a declaration takes, for messages.
        static var kinds: String { EntitySchema.Kind.addable.keys.sorted().joined(separator: ", ") }

        /// A `--kind` value: one of the addable kinds; a required kind is refused with its optional twin.
        static func kind(_ name: String, of field: String) throws -> EntitySchema.Kind {
            if let kind = EntitySchema.Kind.addable[name] { return kind }
            let twins = ["text": "optionalText", "number": "optionalNumber", "date": "optionalDate"]
            if let twin = twins[name] {
                throw ValidationError("\(field): an added field must be optional (versions from older app versions lack it): use --kind \(twin)")
            }
            throw ValidationError("\(field): unknown kind '\(name.prefix(32))'; kinds: \(kinds)")
        }

        static func print(_ schema: ReplicaSchema, workspace: String, json: Bool) {
            let rows = schema.additions.flatMap { addition in
                addition.fields.map { (addition.entity, $0.name, $0.kind.name ?? "", addition.isNewEntity) }
            }
            if json {
                printJSON(["workspace": workspace,
                           "declared": rows.map { ["entity": $0.0, "field": $0.1, "kind": $0.2, "newEntity": $0.3] as [String: Any] }])
                return
            }
            if rows.isEmpty {
                Swift.print("Workspace \(workspace) declares nothing beyond the built-in entities (\(ReplicaSchema.builtIn.entities.map(\.name).joined(separator: ", "))).")
                return
            }
            printTable(["ENTITY", "FIELD", "KIND", "NEW ENTITY"], rows.map { [$0.0, $0.1, $0.2, $0.3 ? "yes" : "no"] })
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the fields and entities a workspace declares beyond the built-in ones.")
            @OptionGroup var options: ServerDatabaseOptions
            @Option(help: "The workspace.") var workspace: String
            func run() throws {
                let store = try options.open()
                let schema = try cli { try store.workspaceSchema(workspace) }
                Schema.print(schema, workspace: workspace, json: options.json)
            }
        }

        struct AddField: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add-field", abstract: "Declare an optional field of an entity, so pushes carrying it are accepted.")
            @OptionGroup var options: ServerDatabaseOptions
            @Option(help: "The workspace.") var workspace: String
            @Option(help: "The entity (built-in, e.g. account, or declared).") var entity: String
            @Option(help: "The new field's name: a letter, then letters, digits or _.") var field: String
            @Option(help: ArgumentHelp("The field's kind.", discussion: "One of optionalText, optionalNumber, optionalDate.")) var kind: String

            func validate() throws { _ = try Schema.kind(kind, of: "\(entity).\(field)") }

            func run() throws {
                let addition = SchemaAddition.fields([(field, try Schema.kind(kind, of: field))], of: entity)
                let store = try options.open()
                let schema = try cli { try store.declare(addition, workspace: workspace, now: Date()) }
                if options.json { Schema.print(schema, workspace: workspace, json: true); return }
                Swift.print("Workspace \(workspace) now accepts \(entity).\(field) (\(kind)). Ship the app version that writes it after this.")
            }
        }

        struct AddEntity: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add-entity", abstract: "Declare a new entity with its optional fields, so pushes of its records are accepted.")
            @OptionGroup var options: ServerDatabaseOptions
            @Option(help: "The workspace.") var workspace: String
            @Option(help: "The new entity's name: a letter, then letters, digits or _.") var entity: String
            @Option(name: .customLong("field"), help: ArgumentHelp("A field as NAME:KIND, e.g. title:optionalText; repeat for each.", valueName: "name:kind"))
            var fields: [String] = []

            func parsed() throws -> [(String, EntitySchema.Kind)] {
                guard !fields.isEmpty else { throw ValidationError("give at least one --field NAME:KIND (kinds: \(Schema.kinds))") }
                return try fields.map { spec in
                    let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw ValidationError("--field '\(spec.prefix(64))' is not NAME:KIND, e.g. title:optionalText") }
                    return (parts[0], try Schema.kind(parts[1], of: "\(entity).\(parts[0])"))
                }
            }

            func validate() throws { _ = try parsed() }

            func run() throws {
                let addition = SchemaAddition.entity(entity, fields: try parsed())
                let store = try options.open()
                let schema = try cli { try store.declare(addition, workspace: workspace, now: Date()) }
                if options.json { Schema.print(schema, workspace: workspace, json: true); return }
                Swift.print("Workspace \(workspace) now accepts entity \(entity) (\(addition.fields.map { "\($0.name): \($0.kind.name ?? "")" }.joined(separator: ", "))).")
            }
        }
    }
}

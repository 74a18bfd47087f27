import Foundation
import RapportStore
import Testing

/// The entity schemas in `Schemas/entity-*.schema.json` describe exactly the fields the replicas
/// and the server check (`Entities.all`): the same names, required unless added later, and each of the type its
/// `EntitySchema.Kind` accepts, so a client generated from the contract sends what is accepted.
@Suite struct EntitySchemaContractTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas")

    /// The stamped-value definition (in record-version.schema.json) a field of each kind refers to.
    static func reference(for kind: EntitySchema.Kind) -> String? {
        switch kind {
        case .text, .json: "record-version.schema.json#/$defs/stamped-string"
        case .optionalText: "record-version.schema.json#/$defs/stamped-nullable-string"
        case .number: "record-version.schema.json#/$defs/stamped-number"
        case .optionalNumber: "record-version.schema.json#/$defs/stamped-nullable-number"
        case .date: "record-version.schema.json#/$defs/stamped-date"
        case .optionalDate: "record-version.schema.json#/$defs/stamped-nullable-date"
        case .choice: nil
        }
    }

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("every replicated entity has a schema file listing its fields with their types", arguments: Entities.all)
    func entitySchemaMatches(entity: EntitySchema) throws {
        let file = try Self.load("entity-\(entity.name).schema.json")
        let properties = try #require(file["properties"] as? [String: Any])
        let entityProperty = try #require(properties["entity"] as? [String: Any])
        #expect(entityProperty["const"] as? String == entity.name)
        let defs = try #require(file["$defs"] as? [String: Any])
        let fields = try #require(defs["\(entity.name)-fields"] as? [String: Any])
        let declared = try #require(fields["properties"] as? [String: [String: Any]])
        #expect(Set(declared.keys) == Set(entity.fields.map(\.name)), "\(entity.name): field names differ")
        // A field added after the first release is missing from older builds' versions: not required.
        #expect(Set(fields["required"] as? [String] ?? []) == Set(entity.fields.filter(\.required).map(\.name)), "\(entity.name): the required fields differ")
        #expect(fields["additionalProperties"] as? Bool == false, "\(entity.name): unknown fields are refused")
        for field in entity.fields {
            let ref = try #require(declared[field.name]?["$ref"] as? String, "\(entity.name).\(field.name) has no $ref")
            if case .choice(let allowed) = field.kind {
                let local = try #require(defs[String(ref.dropFirst("#/$defs/".count))] as? [String: Any], "\(entity.name).\(field.name): \(ref)")
                let value = (local["properties"] as? [String: [String: Any]])?["value"]
                #expect(value?["enum"] as? [String] == allowed, "\(entity.name).\(field.name): enum differs from \(allowed)")
                #expect(value?["type"] as? String == "string")
            } else {
                #expect(ref == Self.reference(for: field.kind), "\(entity.name).\(field.name): \(ref) for \(field.kind)")
            }
        }
    }

    @Test("every entity schema file names an entity the replicas replicate")
    func noSchemaWithoutEntity() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasPrefix("entity-") && $0.hasSuffix(".schema.json") }
        #expect(Set(files) == Set(Entities.all.map { "entity-\($0.name).schema.json" }))
        let recordVersion = try Self.load("record-version.schema.json")
        let mapping = (recordVersion["discriminator"] as? [String: Any])?["mapping"] as? [String: String]
        #expect(mapping == Dictionary(uniqueKeysWithValues: Entities.all.map { ($0.name, "entity-\($0.name).schema.json") }))
    }

    @Test("a date field's range in the contract is the store's")
    func dateRangeMatches() throws {
        let defs = try #require(try Self.load("record-version.schema.json")["$defs"] as? [String: [String: Any]])
        for name in ["stamped-date", "stamped-nullable-date"] {
            let value = try #require((defs[name]?["properties"] as? [String: [String: Any]])?["value"])
            #expect((value["minimum"] as? NSNumber)?.doubleValue == EntitySchema.Kind.dateRange.lowerBound)
            #expect((value["maximum"] as? NSNumber)?.doubleValue == EntitySchema.Kind.dateRange.upperBound)
        }
    }
}

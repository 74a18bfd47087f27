import Foundation
import RapportMerge
import RapportModel

extension Account: StoredEntity {
    public static let schema = EntitySchema(name: "account", fields: [
        .init("name", .text), .init("segment", .text), .init("arr", .number),
        .init("renewalDate", .optionalDate), .init("owner", .text),
    ])

    public var fieldValues: [String: FieldValue] {
        ["name": .string(name), "segment": .string(segment), "arr": .of(arr), "renewalDate": .date(renewalDate), "owner": .string(owner)]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        self.init(id: id, name: try r.string("name"), segment: try r.string("segment"), arr: try r.number("arr"),
                  renewalDate: try r.optionalDate("renewalDate"), owner: try r.string("owner"))
    }
}

extension Stakeholder: StoredEntity {
    public static let schema = EntitySchema(name: "stakeholder", fields: [
        .init("accountID", .text), .init("name", .text), .init("role", .text), .init("email", .optionalText),
        // Added after the first release: versions from older builds lack it and read as not key.
        .added("isKey", .optionalNumber),
    ])

    public var fieldValues: [String: FieldValue] {
        // Null rather than 0 for "not key", so editing a record written before the flag existed
        // does not write a field nobody changed.
        ["accountID": .string(accountID), "name": .string(name), "role": .string(role), "email": .text(email),
         "isKey": isKey ? .number(1) : .null]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        self.init(id: id, accountID: try r.string("accountID"), name: try r.string("name"), role: try r.string("role"),
                  email: try r.optionalString("email"), isKey: (try r.optionalNumber("isKey") ?? 0) != 0)
    }
}

extension Assessment: StoredEntity {
    static let levels = Level.allCases.map(\.rawValue)

    public static let schema = EntitySchema(name: "assessment", fields: [
        .init("accountID", .text), .init("stakeholderID", .optionalText), .init("assessedAt", .date),
        .init("trust", .choice(levels)), .init("respect", .choice(levels)), .init("note", .text),
    ])

    public var fieldValues: [String: FieldValue] {
        ["accountID": .string(accountID), "stakeholderID": .text(stakeholderID), "assessedAt": .date(assessedAt),
         "trust": .string(trust.rawValue), "respect": .string(respect.rawValue), "note": .string(note)]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        self.init(id: id, accountID: try r.string("accountID"), stakeholderID: try r.optionalString("stakeholderID"),
                  assessedAt: try r.date("assessedAt"), trust: try r.choice("trust", as: Level.self),
                  respect: try r.choice("respect", as: Level.self), note: try r.string("note"))
    }
}

extension CrisisEvent: StoredEntity {
    public static let schema = EntitySchema(name: "crisis", fields: [
        .init("accountID", .text), .init("startedAt", .date), .init("resolvedAt", .optionalDate),
        .init("severity", .choice(Severity.allCases.map(\.rawValue))), .init("summary", .text),
    ])

    public var fieldValues: [String: FieldValue] {
        ["accountID": .string(accountID), "startedAt": .date(startedAt), "resolvedAt": .date(resolvedAt),
         "severity": .string(severity.rawValue), "summary": .string(summary)]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        self.init(id: id, accountID: try r.string("accountID"), startedAt: try r.date("startedAt"), resolvedAt: try r.optionalDate("resolvedAt"),
                  severity: try r.choice("severity", as: Severity.self), summary: try r.string("summary"))
    }
}

extension Objective: StoredEntity {
    public static let schema = EntitySchema(name: "objective", fields: [
        .init("key", .text), .init("name", .text), .init("direction", .choice(Direction.allCases.map(\.rawValue))),
        .init("target", .optionalNumber), .init("normaliser", .json),
    ])

    public var fieldValues: [String: FieldValue] {
        ["key": .string(key.rawValue), "name": .string(name), "direction": .string(direction.rawValue),
         "target": target.map(FieldValue.of) ?? .null, "normaliser": .json(normaliser)]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        guard let key = ObjectiveKey(rawValue: try r.string("key")) else {
            throw StoreError(code: .invalidData, message: "objective.key is not a known objective key")
        }
        self.init(id: id, key: key, name: try r.string("name"), direction: try r.choice("direction", as: Direction.self),
                  target: try r.optionalNumber("target"), normaliser: try r.json("normaliser", as: Normaliser.self))
    }
}

extension RapportModel.Measurement: StoredEntity {
    public static let schema = EntitySchema(name: "measurement", fields: [
        .init("objectiveID", .text), .init("period", .text), .init("value", .number),
    ])

    public var fieldValues: [String: FieldValue] {
        ["objectiveID": .string(objectiveID), "period": .string(period.description), "value": .of(value)]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        let period: Period
        do { period = try Period(try r.string("period")) } catch {
            throw StoreError(code: .invalidData, message: "measurement.period is not a valid period")
        }
        self.init(id: id, objectiveID: try r.string("objectiveID"), period: period, value: try r.number("value"))
    }
}

extension WeightSet: StoredEntity {
    public static let schema = EntitySchema(name: "weightSet", fields: [
        .init("effectiveFrom", .date), .init("reason", .text), .init("weights", .json),
    ])

    public var fieldValues: [String: FieldValue] {
        ["effectiveFrom": .date(effectiveFrom), "reason": .string(reason), "weights": .json(weights)]
    }

    public init(id: String, fieldValues: [String: FieldValue]) throws {
        let r = FieldReader(entity: Self.schema.name, values: fieldValues)
        self.init(id: id, effectiveFrom: try r.date("effectiveFrom"), reason: try r.string("reason"), weights: try r.json("weights", as: [String: Double].self))
    }
}

/// Every entity the store replicates, by wire name.
public enum Entities {
    public static let all: [EntitySchema] = [
        Account.schema, Stakeholder.schema, Assessment.schema, CrisisEvent.schema,
        Objective.schema, RapportModel.Measurement.schema, WeightSet.schema, ConflictResolution.schema,
    ]
    public static let byName: [String: EntitySchema] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Full decoding of each entity, run on every incoming version: a text field that must parse
    /// (a period, an objective key, a normaliser, a weight table) is refused here, never stored,
    /// so one bad record cannot break a listing on every replica.
    static let valueChecks: [String: @Sendable (String, [String: FieldValue]) throws -> Void] = [
        Account.schema.name: { _ = try Account(id: $0, fieldValues: $1) },
        Stakeholder.schema.name: { _ = try Stakeholder(id: $0, fieldValues: $1) },
        Assessment.schema.name: { _ = try Assessment(id: $0, fieldValues: $1) },
        CrisisEvent.schema.name: { _ = try CrisisEvent(id: $0, fieldValues: $1) },
        Objective.schema.name: { try Objective(id: $0, fieldValues: $1).normaliser.validate() },
        RapportModel.Measurement.schema.name: { _ = try RapportModel.Measurement(id: $0, fieldValues: $1) },
        WeightSet.schema.name: { id, values in
            let set = try WeightSet(id: id, fieldValues: values)
            guard set.weights.values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw StoreError(code: .invalidData, message: "weightSet.weights must be finite and not negative")
            }
        },
    ]
}

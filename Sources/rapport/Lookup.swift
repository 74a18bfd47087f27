import Foundation
import ArgumentParser
import RapportModel
import RapportStore

extension Store {
    /// Finds an account by id or by name (case-insensitive); deleted ones only when asked.
    func findAccount(_ reference: String, includeDeleted: Bool = false) throws -> Account {
        let all = try cli { try accounts.list(includeDeleted: includeDeleted) }
        if let byID = all.first(where: { $0.id == reference }) { return byID }
        let byName = all.filter { $0.name.caseInsensitiveCompare(reference) == .orderedSame }
        if byName.count == 1 { return byName[0] }
        if byName.count > 1 {
            throw CLIError("\(byName.count) accounts are named '\(reference)': use an id (\(byName.map(\.id).joined(separator: ", ")))")
        }
        throw CLIError("no account '\(reference)'\(includeDeleted ? "" : " (deleted ones are hidden)"): `rapport account list` shows names and ids", code: .notFound)
    }

    /// Finds an objective by id or key (`nps`, `grossChurn`, `custom:name`).
    func findObjective(_ reference: String) throws -> Objective {
        let all = try cli { try objectives.list() }
        if let found = all.first(where: { $0.id == reference }) ?? all.first(where: { $0.key.rawValue == reference }) { return found }
        throw CLIError("no objective '\(reference)': `rapport objective list` shows keys and ids", code: .notFound)
    }

    func findAssessment(_ id: String, includeDeleted: Bool = false) throws -> Assessment {
        guard let found = try cli({ try assessments.get(id: id, includeDeleted: includeDeleted) }) else {
            throw CLIError("no assessment '\(id)': `rapport history ACCOUNT` shows assessment ids", code: .notFound)
        }
        return found
    }
}

extension Level: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { ["high", "low"] }
}

extension Severity: ExpressibleByArgument {}

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

    /// Finds a live stakeholder of `account` by id or by name (case-insensitive). Refuses an
    /// unknown one, an ambiguous name, and another account's stakeholder, saying what to type.
    func findStakeholder(_ reference: String, of account: Account) throws -> Stakeholder {
        let all = try cli { try stakeholders.list() }
        if let byID = all.first(where: { $0.id == reference }) {
            guard byID.accountID == account.id else {
                throw CLIError("stakeholder '\(reference)' is at another account (\(byID.accountID)), not \(account.id): `rapport stakeholder list \(account.id)` shows this account's people")
            }
            return byID
        }
        let byName = all.filter { $0.accountID == account.id && $0.name.caseInsensitiveCompare(reference) == .orderedSame }
        if byName.count == 1 { return byName[0] }
        if byName.count > 1 {
            throw CLIError("\(byName.count) people at \(account.id) are named '\(reference)': use an id (\(byName.map(\.id).joined(separator: ", ")))")
        }
        throw CLIError("no stakeholder '\(reference)' at \(account.id): `rapport stakeholder list \(account.id)` shows names and ids; `rapport stakeholder add \(account.id) NAME` adds one")
    }

    /// Finds a live stakeholder by id, or by name when exactly one person anywhere has it.
    func findStakeholder(_ reference: String) throws -> Stakeholder {
        let all = try cli { try stakeholders.list() }
        if let byID = all.first(where: { $0.id == reference }) { return byID }
        let byName = all.filter { $0.name.caseInsensitiveCompare(reference) == .orderedSame }
        if byName.count == 1 { return byName[0] }
        if byName.count > 1 {
            throw CLIError("\(byName.count) people are named '\(reference)': use an id (\(byName.map { "\($0.id) at \($0.accountID)" }.joined(separator: ", ")))")
        }
        throw CLIError("no stakeholder '\(reference)': `rapport stakeholder list` shows names and ids")
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

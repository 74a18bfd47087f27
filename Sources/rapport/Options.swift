import ArgumentParser
import Foundation
import RapportMerge
import RapportModel
import RapportStore

/// Options every replica command shares: which file, and how to print.
struct ReplicaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Replica database file.", discussion: "Defaults to $RAPPORT_DB, else ./rapport.db."))
    var db: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of tables.")
    var json = false

    var path: String { db ?? ProcessInfo.processInfo.environment["RAPPORT_DB"] ?? "rapport.db" }

    /// Opens the replica, turning a missing or foreign file into one line that says what to do.
    func openStore() throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no replica at \(path): run `rapport init --db \(path)` first, or pass --db PATH")
        }
        return try cli { try Store.open(at: path) }
    }
}

/// One line for the user: what was wrong and what to type instead. Printed as `Error: …`, exit 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs library code, turning its errors into one readable line.
func cli<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch {
        throw describe(error)
    }
}

func cliAsync<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch {
        throw describe(error)
    }
}

/// The one line a person should see for a library error (its message, without codes or SQL).
func describe(_ error: any Error) -> any Error {
    switch error {
    case let error as CLIError: error
    case let error as ValidationError: error
    case let error as StoreError: CLIError(error.message)
    case let error as KPIError: CLIError(error.message)
    case let error as ScorecardError: CLIError(error.message)
    case let error as ReplicationError: CLIError(error.message)
    default: CLIError(String(describing: error))
    }
}

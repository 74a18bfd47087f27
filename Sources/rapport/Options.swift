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
            throw CLIError("no replica at \(path): run `rapport init --db \(path)` first, or pass --db PATH", code: .noReplica)
        }
        return try cli { try Store.open(at: path) }
    }
}

/// One line for the user: what was wrong and what to type instead. Printed as `Error: …`, exit 1;
/// under `--json`, as `{"error": {"code": …, "message": …}}` on stderr.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let code: Code
    init(_ description: String, code: Code = .failed) {
        self.description = description
        self.code = code
    }

    /// A stable name for what went wrong, for scripts (`--json` errors). New codes may be added;
    /// existing ones keep their meaning.
    struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        var description: String { rawValue }

        /// The command line does not parse: unknown option, missing argument (exit 64).
        static let usage = Code(rawValue: "usage")
        /// A value was refused: a date, amount, name, period or combination of options (exit 64
        /// when the parser caught it, else 1).
        static let invalidInput = Code(rawValue: "invalidInput")
        /// The named account, objective, assessment, crisis … does not exist.
        static let notFound = Code(rawValue: "notFound")
        /// No replica file at the path: `rapport init` first.
        static let noReplica = Code(rawValue: "noReplica")
        /// The replica refused or failed the operation.
        static let store = Code(rawValue: "store")
        /// Syncing with a server failed.
        static let sync = Code(rawValue: "sync")
        /// Anything else.
        static let failed = Code(rawValue: "failed")
    }
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
    case let error as StoreError: CLIError(error.message, code: .store)
    case let error as KPIError: CLIError(error.message, code: .invalidInput)
    case let error as ScorecardError: CLIError(error.message, code: .invalidInput)
    case let error as ReplicationError: CLIError(error.message, code: .store)
    default: CLIError(String(describing: error))
    }
}

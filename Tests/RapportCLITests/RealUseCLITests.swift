import Foundation
import Testing

/// The built `rapport` binary used the way people really use it: two processes at once on one
/// replica file, a database file restored from a backup.
@Suite("rapport CLI in real use", .serialized)
struct RealUseCLITests {
    private func run(_ arguments: [String], in directory: URL, state: URL) throws -> CLITests.Result {
        try CLITests.rapport(arguments, in: directory, env: ["RAPPORT_STATE_DIR": state.path])
    }

    @Test func twoProcessesEditingDifferentFieldsOfOneAccountAtOnceBothSurvive() throws {
        try CLITests.withDirectory { directory in
            let state = directory.appendingPathComponent("device")
            #expect(try run(["init", "--name", "laptop", "--db", "r.db"], in: directory, state: state).status == 0)
            #expect(try run(["account", "add", "Acme", "--id", "acme", "--owner", "kim", "--db", "r.db"], in: directory, state: state).status == 0)
            for round in 0..<8 {
                let binary = try CLITests.binary()
                let processes = [["--name", "Acme \(round)"], ["--owner", "owner-\(round)"]].map { change -> Process in
                    let process = Process()
                    process.executableURL = binary
                    process.arguments = ["account", "edit", "acme"] + change + ["--db", "r.db"]
                    process.currentDirectoryURL = directory
                    process.environment = ["RAPPORT_STATE_DIR": state.path, "PATH": "/usr/bin:/bin"]
                    process.standardOutput = FileHandle.nullDevice
                    return process
                }
                for process in processes { try process.run() }
                for process in processes { process.waitUntilExit(); #expect(process.terminationStatus == 0) }
                let shown = try run(["account", "show", "acme", "--json", "--db", "r.db"], in: directory, state: state).out
                #expect(shown.contains("Acme \(round)"), "round \(round): \(shown)")
                #expect(shown.contains("owner-\(round)"), "round \(round): \(shown)")
            }
        }
    }

    @Test func aReplicaFileCopiedBackFromABackupTakesANewIDOnItsNextCommand() throws {
        try CLITests.withDirectory { directory in
            let state = directory.appendingPathComponent("device")
            #expect(try run(["init", "--name", "laptop", "--db", "r.db"], in: directory, state: state).status == 0)
            #expect(try run(["account", "add", "Acme", "--id", "acme", "--db", "r.db"], in: directory, state: state).status == 0)
            let before = try run(["status", "--json", "--db", "r.db"], in: directory, state: state).out
            try FileManager.default.copyItem(at: directory.appendingPathComponent("r.db"), to: directory.appendingPathComponent("copy.db"))
            let copy = try run(["status", "--json", "--db", "copy.db"], in: directory, state: state).out
            let again = try run(["status", "--json", "--db", "r.db"], in: directory, state: state).out
            func id(_ json: String) -> String? {
                (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["replicaID"] as? String
            }
            #expect(id(before) != nil)
            #expect(id(copy) != id(before))
            #expect(id(again) == id(before))
        }
    }
}

import Foundation
import RapportMerge
import RapportModel
import RapportStore

// A child process for crash tests: it writes forever and reports each committed transaction on
// stdout, so a test can `kill -9` it at a random instant and then check what the file holds.
//
//   rapport-crashtest batch DB SIZE     batches of SIZE accounts, one transaction each
//   rapport-crashtest apply DB SIZE     pages of SIZE remote versions, applied with cursor "page-N"

/// Writes one line straight to the pipe (no buffering), so what the parent reads was really committed.
func report(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
guard arguments.count == 4, let size = Int(arguments[3]), size > 0 else {
    FileHandle.standardError.write(Data("usage: rapport-crashtest batch|apply DB SIZE\n".utf8))
    exit(2)
}
let mode = arguments[1], path = arguments[2]

do {
    let store = FileManager.default.fileExists(atPath: path) ? try Store.open(at: path) : try Store.create(at: path, name: "crash-child")
    switch mode {
    case "batch":
        var batch = 0
        while true {
            try store.accounts.createAll((0..<size).map { i in
                Account(id: "b\(batch)-\(i)", name: "Account \(batch)-\(i)", segment: "smb", arr: Double(i), owner: "crash")
            })
            report("committed \(batch)")
            batch += 1
        }
    case "apply":
        var rng = SplitMix64(seed: 7)
        let remote = ReplicaID.random(using: &rng)
        var page = 0
        while true {
            let versions = (0..<size).map { i -> RecordVersion in
                let stamp = Stamp(hlc: HLCTimestamp(wallMillis: Int64(Date().timeIntervalSince1970 * 1000) - 60_000, counter: UInt32(i)), replica: remote)
                return RecordVersion.create(entity: "account", id: "p\(page)-\(i)",
                                            fields: Account(id: "", name: "Remote \(page)-\(i)", owner: "crash").fieldValues, stamp: stamp)
            }
            _ = try store.apply(versions, cursor: "page-\(page)")
            report("committed \(page)")
            page += 1
        }
    default:
        FileHandle.standardError.write(Data("unknown mode \(mode); use batch or apply\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("rapport-crashtest: \(error)\n".utf8))
    exit(1)
}

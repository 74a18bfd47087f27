import Foundation
import RapportServer

/// Starts `rapport serve` (built next to this program) on a free port and waits until it listens.
func startRapportServer(databasePath: String) throws -> (process: Process, port: Int) {
    try startRapportServer(arguments: ["--db", databasePath])
}

/// Starts `rapport serve` with these database arguments (`--db FILE` or `--postgres URL`).
func startRapportServer(arguments database: [String]) throws -> (process: Process, port: Int) {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rapport")
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
        throw BenchError("build the CLI first: swift build -c release --product rapport (looked for \(executable.path))")
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = ["serve"] + database + ["--port", "0", "--log-level", "warning"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    var text = ""
    while true {
        let chunk = output.fileHandleForReading.availableData
        guard !chunk.isEmpty else { throw BenchError("the server exited: \(text)") }
        text += String(decoding: chunk, as: UTF8.self)
        if let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
           let port = Int(text[range].split(separator: ":").last ?? "") {
            return (process, port)
        }
    }
}

/// A new server database at `path` with these workspaces and one token each; returns the open
/// store (for fixtures written straight into it) and each workspace's token.
func makeServerDatabase(at path: String, workspaces: [String]) throws -> (ServerStore, secrets: [String: String]) {
    let server = try ServerStore.open(at: path, create: true)
    var secrets: [String: String] = [:]
    for workspace in workspaces {
        _ = try server.addWorkspace(workspace)
        let (id, secret) = TokenSecrets.generate()
        _ = try server.addToken(id: id, workspace: workspace, label: "bench", secretHash: TokenSecrets.hash(secret))
        secrets[workspace] = secret
    }
    return (server, secrets)
}

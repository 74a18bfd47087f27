import Foundation
import Testing

@Suite("The sync path has one owner of the wire format")
struct SyncPathGuardTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Folders whose code runs for every synced record; Foundation's coders there would be a second
    /// owner of the wire format (and cost ~20–30 µs per record each).
    static let syncPath = ["RapportClient", "RapportServer", "RapportServerCore", "RapportServerCore/Storage"]

    @Test("no JSONEncoder or JSONDecoder on the sync path outside RapportProtocol")
    func noFoundationCodersOnTheSyncPath() throws {
        let (offenders, scanned) = try Self.scan(Self.syncPath)
        #expect(scanned > 10, "the Sources folder was not found from \(#filePath)")
        #expect(offenders.isEmpty, "use WireCoding's codec instead: \(offenders)")
    }

    static func scan(_ folders: [String]) throws -> (offenders: [String], scanned: Int) {
        var offenders: [String] = []
        var scanned = 0
        for folder in folders {
            let url = Self.sources.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in files where file.pathExtension == "swift" {
                scanned += 1
                let text = try String(contentsOf: file, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains("JSONEncoder(") || line.contains("JSONDecoder(") {
                    offenders.append("\(folder)/\(file.lastPathComponent):\(number + 1)")
                }
            }
        }
        return (offenders, scanned)
    }
}

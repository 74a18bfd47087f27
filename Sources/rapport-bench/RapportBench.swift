import ArgumentParser
import Foundation

/// Benchmarks that print figures, side by side with raw SQLite on the same rows in the same run.
@main
struct RapportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rapport-bench",
        abstract: "Measure Rapport against raw SQLite on the same rows, in the same run.",
        subcommands: [StoreBench.self, SyncBench.self, CodecBench.self, ServerBench.self, PushProfile.self, PostgresBench.self, TransportBench.self, LiveBench.self])
}

/// Peak resident memory so far, in MiB, of this process or of `pid` (Linux `VmHWM`; 0 where unavailable).
func peakRSSMegabytes(pid: Int32? = nil) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kb / 1024
}

/// Seconds taken by `body`.
func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func printFigures(_ figures: [(String, Double)], json: Bool) {
    if json {
        let body = figures.map { "\"\($0.0)\": \(($0.1 * 1000).rounded() / 1000)" }.joined(separator: ", ")
        print("{\(body)}")
    } else {
        let width = figures.map(\.0.count).max() ?? 0
        for (name, value) in figures {
            print(name.padding(toLength: width, withPad: " ", startingAt: 0), String(format: "%14.3f", value))
        }
    }
}

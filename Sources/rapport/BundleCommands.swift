import ArgumentParser
import Foundation
import RapportReport
import RapportStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write changed records to a bundle file (or stdout) for `rapport import` on another laptop, or tables as CSV for a spreadsheet.",
        discussion: """
            --format csv writes RFC 4180 CSV (UTF-8, CRLF, a header row, ISO 8601 dates in UTC, empty cells for missing values). \
            With --what KIND one table goes to stdout or -o FILE; without --what, -o DIR gets accounts.csv, assessments.csv, \
            measurements.csv and scores.csv. Files start with a UTF-8 byte order mark so Excel shows accents and emoji (--no-bom for scripts); \
            text starting with = + - @ gets a leading ' so a spreadsheet never runs it as a formula.
            """)

    @OptionGroup var options: ReplicaOptions
    @Option(help: "bundle (for `rapport import`) or csv (for a spreadsheet).") var format: ExportFormat = .bundle
    @Option(help: "Only changes after this number (printed by the previous export; bundle only).") var since: Int64 = 0
    @Option(help: "With --format csv: accounts, assessments, measurements or scores (default: all four into the directory -o DIR).")
    var what: CSVExport.Kind?
    @Flag(inversion: .prefixedNo, help: "With --format csv: start each file with a UTF-8 byte order mark, for Excel.") var bom = true
    @Option(name: .shortAndLong, help: "Write to this file (csv without --what: this directory) instead of stdout.") var output: String?

    func run() throws {
        if format == .csv { return try runCSV() }
        guard what == nil else { throw CLIError("--what is for --format csv; a bundle holds every kind of record") }
        let store = try options.openStore()
        let info = try cli { try store.info() }
        let changes = try cli { try store.exportChanges(since: since) }
        let bundle = ReplicaBundle(replica: info.replicaID.rawValue, name: info.name, nextSince: changes.nextSince, versions: changes.versions)
        let data = try JSONEncoder().encode(bundle)
        if let output {
            try cli { try data.write(to: URL(fileURLWithPath: output), options: .atomic) }
            FileHandle.standardError.write(Data("Exported \(changes.versions.count) records to \(output); next time: --since \(changes.nextSince)\n".utf8))
        } else {
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
            FileHandle.standardError.write(Data("Exported \(changes.versions.count) records; next time: --since \(changes.nextSince)\n".utf8))
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Merge a bundle from another replica, exactly like a server sync; importing twice changes nothing.")

    @OptionGroup var options: ReplicaOptions
    @Argument(help: "Bundle file written by `rapport export` (- for stdin).") var file: String

    func run() throws {
        let data: Data
        if file == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else {
            guard let read = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file): check the path") }
            data = read
        }
        let bundle: ReplicaBundle
        do { bundle = try ReplicaBundle(reading: data) } catch {
            switch error {
            case .notABundle:
                throw CLIError("\(file) is not a Rapport bundle (expected JSON from `rapport export`); nothing was imported")
            case .unsupported(let format, let formatVersion):
                throw CLIError("\(file) is a \(format) v\(formatVersion) file; this rapport reads rapport-bundle v1")
            }
        }
        let store = try options.openStore()
        let report = try cli { try store.apply(bundle.versions) }
        if options.json {
            printJSON(["inserted": report.inserted, "updated": report.updated, "stale": report.stale, "conflicts": report.conflicts, "rejected": report.rejected])
            return
        }
        print("Imported from \(bundle.name) (\(bundle.replica)): \(report.inserted) new, \(report.updated) updated, \(report.stale) already known, \(report.conflicts) conflicts resolved, \(report.rejected) rejected")
        for case .rejected(let reason, let message) in report.outcomes { print("  rejected (\(reason)): \(message)") }
        if report.conflicts > 0 { print("See them with: rapport conflicts") }
    }
}

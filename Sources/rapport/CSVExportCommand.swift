import ArgumentParser
import Foundation
import RapportReport
import RapportStore

/// What `rapport export` writes.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case bundle, csv
}

extension CSVExport.Kind: ExpressibleByArgument {}

extension Export {
    /// `--format csv`: one table to stdout or a file, or all four into a directory.
    func runCSV() throws {
        guard since == 0 else { throw CLIError("--since is for bundles; a CSV export always holds every live record") }
        guard !options.json else { throw CLIError("--json does not apply to --format csv; drop one of them") }
        let store = try options.openStore()
        if let what {
            let (table, skipped) = try cli { try CSVExport.table(what, from: store) }
            warn(skipped)
            let data = table.encoded(byteOrderMark: bom)
            if let output {
                try writeFile(data, to: output)
                FileHandle.standardError.write(Data("Exported \(table.rows.count) \(what.rawValue) rows to \(output)\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
            return
        }
        guard let output else {
            throw CLIError("--format csv needs --what accounts|assessments|measurements|scores (one table to stdout), or -o DIR for all four files")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CLIError("\(output) is a file; without --what the export writes four files into a directory: give a directory, or add --what KIND")
        }
        try makeDirectory(output)
        var written: [String] = []
        for kind in CSVExport.Kind.allCases {
            let (table, skipped) = try cli { try CSVExport.table(kind, from: store) }
            warn(skipped)
            try writeFile(table.encoded(byteOrderMark: bom), to: URL(fileURLWithPath: output).appendingPathComponent(kind.fileName).path)
            written.append("\(kind.fileName) (\(table.rows.count) rows)")
        }
        FileHandle.standardError.write(Data("Exported to \(output): \(written.joined(separator: ", "))\n".utf8))
    }

    private func warn(_ skipped: [String]) {
        for line in skipped { FileHandle.standardError.write(Data("Warning: scores leave out \(line)\n".utf8)) }
    }
}

import ArgumentParser
import Foundation
import RapportModel
import RapportReport
import RapportStore

/// `rapport report`: one self-contained HTML page a manager can open, mail or print.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report of a period: portfolio, Trust × Respect grid, crises, score trend and breakdown.",
        discussion: "The file needs no network: styles and charts (SVG) are inline, no scripts, no web fonts. Open it in any browser.")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "Period whose score is explained: 2026, 2026-Q3 or 2026-11. The trend shows periods of the same kind up to it.")
    var period: String
    @Option(name: .shortAndLong, help: "The HTML file to write (- for stdout).") var output: String

    func run() throws {
        let parsed = try cli { try Period(period) }
        guard !(options.json && output == "-") else { throw CLIError("-o - prints the page itself; drop --json, or write to a file to get a JSON summary") }
        let store = try options.openStore()
        let data = try cli { try ReportData.load(from: store, period: parsed) }
        let html = Data(ReportHTML.render(data).utf8)
        if output == "-" {
            FileHandle.standardOutput.write(html)
            return
        }
        try writeFile(html, to: output)
        let overall: Double? = if case .report(let report) = data.score { report.overall } else { nil }
        if options.json {
            printJSON(["file": output, "period": parsed.description, "accounts": data.accounts.count, "arrAtRisk": data.arrAtRisk,
                       "overall": overall.map { $0 as Any } ?? NSNull()])
            return
        }
        let score = overall.map { "score " + String(format: "%.1f", $0) } ?? "no score"
        print("Wrote \(output): \(data.accounts.count) accounts, \(score) for \(parsed). Open it in a browser.")
    }
}

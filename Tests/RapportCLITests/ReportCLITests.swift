import Foundation
import Testing

/// `rapport export --format csv` and `rapport report`, as a person types them.
@Suite("rapport report and CSV export", .serialized)
struct ReportCLITests {
    private func run(_ arguments: [String], in directory: URL) throws -> CLITests.Result {
        try CLITests.rapport(arguments + ["--db", "r.db"], in: directory)
    }

    /// A replica with an account whose name needs quoting, an owner that looks like a formula, an
    /// assessment and a scored month.
    private func replica(in directory: URL) throws {
        for arguments in [
            ["init", "--name", "csm"],
            ["account", "add", "Acme, Inc.", "--id", "acme", "--arr", "250000", "--owner", "=1+1"],
            ["account", "add", "<b>Bold</b> & Co", "--id", "bold", "--arr", "1000"],
            ["assess", "acme", "--trust", "high", "--respect", "low", "--at", "2026-10-10", "--note", "said \"later\"\non a call"],
            ["objective", "add", "nps", "--linear=-100:100"],
            ["weights", "set", "nps=1", "--from", "2026-01-01"],
            ["measure", "nps", "40", "--period", "2026-11"],
        ] {
            let result = try run(arguments, in: directory)
            #expect(result.status == 0, "\(arguments): \(result.err)")
        }
    }

    @Test func csvExportWritesFourSpreadsheetFilesIntoADirectory() throws {
        try CLITests.withDirectory { directory in
            try replica(in: directory)
            let result = try run(["export", "--format", "csv", "-o", "tables"], in: directory)
            #expect(result.status == 0, "\(result.err)")
            for name in ["accounts", "assessments", "measurements", "scores"] {
                let data = try Data(contentsOf: directory.appendingPathComponent("tables/\(name).csv"))
                #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF], "\(name).csv starts with a byte order mark")
                let text = String(decoding: data.dropFirst(3), as: UTF8.self)
                #expect(text.hasSuffix("\r\n"))
                #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
            }
            let accounts = String(decoding: try Data(contentsOf: directory.appendingPathComponent("tables/accounts.csv")).dropFirst(3), as: UTF8.self)
            #expect(accounts.hasPrefix("id,name,segment,owner,arr,renewal_date,relationship,last_assessed_at\r\n"))
            #expect(accounts.contains("acme,\"Acme, Inc.\",,'=1+1,250000,,low,2026-10-10T00:00:00Z\r\n"))
            let assessments = String(decoding: try Data(contentsOf: directory.appendingPathComponent("tables/assessments.csv")).dropFirst(3), as: UTF8.self)
            #expect(assessments.contains("\"said \"\"later\"\"\non a call\"\r\n"))
        }
    }

    @Test func csvExportOfOneTableGoesToStdoutWithoutAMarkWhenAsked() throws {
        try CLITests.withDirectory { directory in
            try replica(in: directory)
            let result = try run(["export", "--format", "csv", "--what", "scores", "--no-bom"], in: directory)
            #expect(result.status == 0, "\(result.err)")
            let lines = result.out.components(separatedBy: "\r\n")
            #expect(lines.first == "period,weight_set_id,overall,coverage,objective_id,objective_key,objective,raw,score,weight,contribution")
            #expect(lines.dropFirst().first?.hasPrefix("2026-11,") == true)
            #expect(lines.dropFirst().first?.contains(",70,") == true)  // NPS 40 on -100…100 is 70
        }
    }

    @Test func csvOptionsThatDoNotFitAreRefusedAndWriteNothing() throws {
        try CLITests.withDirectory { directory in
            try replica(in: directory)
            let cases: [([String], String)] = [
                (["export", "--what", "accounts"], "--what is for --format csv"),
                (["export", "--format", "csv"], "needs --what"),
                (["export", "--format", "csv", "--what", "accounts", "--since", "3"], "--since is for bundles"),
                (["export", "--format", "xml"], "xml"),
                (["export", "--format", "csv", "--what", "people"], "people"),
            ]
            for (arguments, message) in cases {
                let result = try run(arguments, in: directory)
                #expect(result.status != 0, "\(arguments)")
                #expect(result.err.contains(message), "\(arguments): \(result.err)")
                #expect(result.out.isEmpty, "\(arguments)")
            }
            #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent("taken").path, contents: Data()))
            let onAFile = try run(["export", "--format", "csv", "-o", "taken"], in: directory)
            #expect(onAFile.status != 0)
            #expect(onAFile.err.contains("is a file"))
            // The bundle export is unchanged by the CSV options.
            let bundle = try run(["export"], in: directory)
            #expect(bundle.status == 0)
            #expect(bundle.out.contains("\"versions\""))
        }
    }

    @Test func reportWritesOneSelfContainedPageWithEscapedNames() throws {
        try CLITests.withDirectory { directory in
            try replica(in: directory)
            let result = try run(["report", "--period", "2026-11", "-o", "report.html"], in: directory)
            #expect(result.status == 0, "\(result.err)")
            #expect(result.out.contains("2 accounts"))
            #expect(result.out.contains("score 70.0"))
            let html = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; Co"))
            #expect(!html.contains("<b>Bold"))
            #expect(html.contains("<svg"))
            #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("https://"))
        }
    }

    @Test func reportRefusesABadPeriodAndWritesNoFile() throws {
        try CLITests.withDirectory { directory in
            try replica(in: directory)
            let result = try run(["report", "--period", "2026-13", "-o", "report.html"], in: directory)
            #expect(result.status != 0)
            #expect(result.err.contains("is not a period"))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("report.html").path))
            let nowhere = try run(["report", "--period", "2026-11", "-o", "no/such/folder/report.html"], in: directory)
            #expect(nowhere.status != 0)
            #expect(nowhere.err.contains("cannot write no/such/folder/report.html: check that its folder exists"))
        }
    }
}

import Foundation
import RapportModel

/// The report as one self-contained HTML page: inline CSS and inline SVG, no script, nothing
/// fetched from the network. The markup is also well-formed XML (void elements closed, only the
/// entities XML knows), so a test can parse it with an XML parser.
public enum ReportHTML {
    /// The page for `data`. Every piece of user text (names, notes, reasons) is escaped.
    public static func render(_ data: ReportData) -> String {
        var html = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(HTML.escape("Rapport report \(data.period)"))</title>
            <style>\(style)</style>
            </head>
            <body>
            <header><h1>Customer Success report <span id="period">\(data.period)</span></h1>
            <p class="meta">\(HTML.escape(meta(data)))</p></header>\n
            """
        html += portfolio(data)
        html += section("relationships", "Relationships: Trust × Respect",
                        data.relationships.isEmpty ? "<p class=\"empty\">No assessments yet.</p>" : RelationshipGrid.svg(data.relationships))
        html += crises(data)
        html += section("trend", "Overall score by period",
                        "<p class=\"note\">Dashed lines mark a change of weight set: the first period judged by the new weights.</p>\n"
                        + TrendChart.svg(data.trend, highlight: data.period))
        html += breakdown(data)
        html += "</body>\n</html>\n"
        return html
    }

    private static func meta(_ data: ReportData) -> String {
        "Generated " + data.generatedAt.formatted(Date.ISO8601FormatStyle()) + (data.replicaName.isEmpty ? "" : " from replica " + data.replicaName)
    }

    private static func section(_ id: String, _ title: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(HTML.escape(title))</h2>\n\(body)\n</section>\n"
    }

    private static func figure(_ id: String, _ label: String, _ value: String, _ kind: String = "") -> String {
        "<div class=\"figure \(kind)\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value\" id=\"\(id)\">\(HTML.escape(value))</div></div>"
    }

    private static func portfolio(_ data: ReportData) -> String {
        var body = "<div class=\"figures\">"
        body += figure("accounts", "Accounts", String(data.accounts.count))
        body += figure("high-count", "High relationships", String(data.highCount), "good")
        body += figure("low-count", "Low relationships", String(data.lowCount), "bad")
        body += figure("unassessed-count", "Never assessed", String(data.unassessedCount))
        body += figure("total-arr", "Total ARR", HTML.money(data.totalARR))
        body += figure("arr-at-risk", "ARR at risk", HTML.money(data.arrAtRisk), "bad")
        body += "</div>\n<p class=\"note\">The account's relationship is its key stakeholders' (Low if any of them is Low; everyone assessed when nobody is key). At risk: Low, or a crisis dropped one of its relationships and it has not been High since.</p>\n"
        body += table(["Account", "Owner", "Segment", "ARR", "Renewal", "Relationship", "Last assessed", "At risk"], data.accounts.map { row in
            [cell(row.account.name), cell(row.account.owner), cell(row.account.segment), cell(HTML.money(row.account.arr), "num"),
             cell(HTML.day(row.account.renewalDate)), level(row.relationship), cell(HTML.day(row.lastAssessedAt)),
             row.atRisk ? "<td class=\"bad\">at risk</td>" : "<td></td>"]
        }, empty: "No accounts yet.")
        return section("portfolio", "Portfolio", body)
    }

    private static func crises(_ data: ReportData) -> String {
        let rows = data.crises.map { row in
            [cell(row.account), cell(HTML.day(row.crisis.startedAt)), cell(HTML.day(row.crisis.resolvedAt)),
             cell(row.crisis.severity.rawValue), cell(row.crisis.summary), outcome(row.outcome)]
        }
        return section("crises", "Crisis outcomes", table(["Account", "Started", "Resolved", "Severity", "Summary", "Outcome"], rows, empty: "No crises recorded."))
    }

    /// The account's verdict with who dropped (or held) and the assessments either side, or why
    /// it is unknown and whom to assess.
    private static func outcome(_ outcome: CrisisAccountOutcome) -> String {
        let kind = switch outcome.verdict {
        case .held, .improved: "good"
        case .dropped, .stayedLow: "bad"
        case .unknown: "unknown"
        }
        var text = outcome.verdict.label
        if !outcome.dropped.isEmpty {
            text += ": " + outcome.dropped.map(describe).joined(separator: "; ")
        } else if let reason = outcome.unknownReason {
            switch reason {
            case .unresolved: text += ": not resolved yet"
            case .noAssessmentBefore: text += ": nobody was assessed before the crisis"
            case .noAssessmentAfter:
                text += ": no assessment of " + outcome.awaitingAssessment.map(name).joined(separator: ", ") + " since it was resolved; assess them"
            }
        } else if !outcome.counted.isEmpty {
            text += ": " + outcome.counted.map(describe).joined(separator: "; ")
        }
        return "<td class=\"outcome \(kind)\">\(HTML.escape(text))</td>"
    }

    private static func name(_ entry: CrisisAccountOutcome.Entry) -> String {
        entry.stakeholderID == nil ? "the account as a whole" : entry.name
    }

    /// "Pat (high on 2026-08-01 → low on 2026-10-25)": one relationship through the crisis.
    private static func describe(_ entry: CrisisAccountOutcome.Entry) -> String {
        switch entry.outcome {
        case .held(let before, let after), .dropped(let before, let after), .improved(let before, let after), .stayedLow(let before, let after):
            "\(name(entry)) (\(before.relationship.rawValue) on \(HTML.day(before.assessedAt)) → \(after.relationship.rawValue) on \(HTML.day(after.assessedAt)))"
        case .unknown: "\(name(entry)) (unknown)"
        }
    }

    private static func breakdown(_ data: ReportData) -> String {
        let title = "Score breakdown \(data.period)"
        guard case .report(let report) = data.score else {
            if case .unavailable(let message) = data.score {
                return section("score", title, "<p class=\"empty\" id=\"score-unavailable\">\(HTML.escape(message))</p>")
            }
            return ""
        }
        let keys = Dictionary(data.objectives.map { ($0.id, $0.key.rawValue) }, uniquingKeysWith: { first, _ in first })
        let totalWeight = report.lines.reduce(0) { $0 + $1.weight }
        var body = "<div class=\"figures\">"
        body += figure("overall-score", "Overall score", HTML.number(report.overall), "big")
        body += figure("coverage", "Coverage", HTML.number(report.coverage * 100, digits: 0) + " %")
        let set = data.trend.first { $0.period == data.period }?.weightSet
        let weights = set.map { "from " + HTML.day($0.effectiveFrom) + ($0.reason.isEmpty ? "" : ": " + $0.reason) } ?? report.weightSetID
        body += figure("weight-set", "Weights in force", weights)
        body += "</div>\n<p class=\"note\">Each measured objective: raw value → normalised score (0–100) → weight → contribution "
            + "(weight × score ÷ the weight of the measured objectives). Coverage is the share of the weight that was measured.</p>\n"
        body += table(["Objective", "Key", "Measurement", "Normalised", "Weight", "Share", "Contribution"], report.lines.map { line in
            let share = totalWeight > 0 ? HTML.number(line.weight / totalWeight * 100, digits: 0) + " %" : "—"
            return [cell(line.objectiveName), cell(keys[line.objectiveID] ?? line.objectiveID),
                    line.raw == nil ? "<td class=\"missing\">missing</td>" : cell(HTML.raw(line.raw), "num"),
                    cell(HTML.number(line.score), "num"), cell(HTML.number(line.weight, digits: 2), "num"), cell(share, "num"),
                    cell(HTML.number(line.contribution, digits: 2), "num")]
        }, empty: "No objectives yet.")
        let missing = report.lines.filter { $0.raw == nil && $0.weight > 0 }
        if missing.isEmpty {
            body += "<p class=\"good\" id=\"missing\">Every weighted objective was measured.</p>\n"
        } else {
            body += "<p class=\"bad\" id=\"missing\">Missing measures (not in the score): "
                + HTML.escape(missing.map(\.objectiveName).joined(separator: ", "))
                + ". Record them with <code>rapport measure OBJECTIVE VALUE --period \(data.period)</code>.</p>\n"
        }
        return section("score", title, body)
    }

    private static func table(_ header: [String], _ rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(HTML.escape(empty))</p>" }
        var out = "<table>\n<thead><tr>" + header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows { out += "<tr>" + row.joined() + "</tr>\n" }
        return out + "</tbody>\n</table>\n"
    }

    private static func cell(_ text: String, _ kind: String = "") -> String {
        kind.isEmpty ? "<td>\(HTML.escape(text))</td>" : "<td class=\"\(kind)\">\(HTML.escape(text))</td>"
    }

    private static func level(_ level: Level?) -> String {
        guard let level else { return "<td class=\"unknown\">not assessed</td>" }
        return "<td class=\"\(level == .high ? "good" : "bad")\">\(level.rawValue.capitalized)</td>"
    }

    /// System fonts only: nothing is fetched.
    private static let style = """

        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1000px; color: #1d2430; background: #fff; }
        h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; border-bottom: 2px solid #d8dee8; padding-bottom: 4px; margin-top: 32px; }
        .meta, .note { color: #5b6577; font-size: 13px; }
        .figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
        .figure { border: 1px solid #d8dee8; border-radius: 8px; padding: 10px 14px; min-width: 120px; background: #f6f8fb; }
        .figure .label { font-size: 12px; color: #5b6577; } .figure .value { font-size: 22px; font-weight: 600; }
        .figure.big .value { font-size: 34px; color: #1f5fbf; }
        .figure.good .value, td.good, p.good { color: #1b7a3a; } .figure.bad .value, td.bad, p.bad { color: #b3261e; }
        td.unknown, td.missing { color: #8a6d00; }
        table { border-collapse: collapse; width: 100%; font-size: 14px; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e6eaf0; } th { background: #eef2f7; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        svg { display: block; max-width: 100%; height: auto; font-size: 12px; }
        .q-high { fill: #e3f4e8; stroke: #9fd3ae; } .q-low { fill: #fdecea; stroke: #f0b4ae; }
        .q-title { font-weight: 600; fill: #39424f; } .dot-high { fill: #1b7a3a; } .dot-low { fill: #b3261e; }
        .axis { fill: #5b6577; } .axis.current { font-weight: 700; fill: #1f5fbf; } .more, .gap { fill: #8a93a3; font-style: italic; }
        .gridline { stroke: #e6eaf0; } .line { fill: none; stroke: #1f5fbf; stroke-width: 2.5; }
        .dot { fill: #1f5fbf; } .dot.current { fill: #f29900; stroke: #1f5fbf; stroke-width: 2; } .value { fill: #1d2430; }
        .weight-change line { stroke: #8a6d00; stroke-dasharray: 5 4; stroke-width: 1.5; } .weight-change text { fill: #8a6d00; }
        code { background: #eef2f7; padding: 1px 4px; border-radius: 3px; }

        """
}

import Foundation
import RapportModel

/// The overall score across periods as an inline SVG line chart (0–100), with a dashed line where
/// the weight set changes: the first period judged by a new set, labelled with its reason.
enum TrendChart {
    static let width = 760.0
    static let height = 300.0
    private static let left = 44.0, right = 20.0, top = 44.0, bottom = 40.0
    /// Space between the axis and the first and last period, so their labels fit.
    private static let inset = 40.0

    static func svg(_ points: [ReportData.TrendPoint], highlight: Period) -> String {
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let step = points.count > 1 ? (plotWidth - 2 * inset) / Double(points.count - 1) : 0
        func x(_ index: Int) -> Double { points.count > 1 ? left + inset + Double(index) * step : left + plotWidth / 2 }
        func y(_ score: Double) -> Double { top + plotHeight * (1 - min(max(score, 0), 100) / 100) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="trend" role="img" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" aria-label="Overall score by period">\n
            """
        for tick in stride(from: 0.0, through: 100, by: 25) {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(tick)))\" class=\"gridline\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\" class=\"axis\">\(Int(tick))</text>\n"
        }
        // Weight-set changes first, so the line is drawn over them.
        var previous: String?
        for (index, point) in points.enumerated() {
            guard let set = point.weightSet else { continue }
            defer { previous = set.id }
            guard let before = previous, before != set.id else { continue }
            let reason = set.reason.isEmpty ? "new weights" : set.reason
            out += "<g class=\"weight-change\"><title>\(HTML.escape("Weights from \(HTML.day(set.effectiveFrom)): \(reason)"))</title>"
            out += "<line x1=\"\(f(x(index)))\" y1=\"\(f(top - 8))\" x2=\"\(f(x(index)))\" y2=\"\(f(top + plotHeight))\"/>"
            // The label reads away from the nearer edge, so it stays inside the chart.
            let leftHalf = x(index) < left + plotWidth / 2
            out += "<text x=\"\(f(x(index) + (leftHalf ? 4 : -4)))\" y=\"\(f(top - 12))\" text-anchor=\"\(leftHalf ? "start" : "end")\">"
                + "\(HTML.escape("weights: " + RelationshipGrid.truncated(reason, to: 36)))</text></g>\n"
        }
        // One path segment per run of scored periods: an unscored period is a gap, not a zero.
        var segments: [[String]] = [[]]
        for (index, point) in points.enumerated() {
            if let overall = point.overall { segments[segments.count - 1].append("\(f(x(index))),\(f(y(overall)))") } else { segments.append([]) }
        }
        for segment in segments where segment.count > 1 {
            out += "<polyline class=\"line\" points=\"\(segment.joined(separator: " "))\"/>\n"
        }
        for (index, point) in points.enumerated() {
            let isHighlight = point.period == highlight
            out += "<text x=\"\(f(x(index)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\" class=\"\(isHighlight ? "axis current" : "axis")\">\(point.period)</text>"
            guard let overall = point.overall else {
                out += "<text x=\"\(f(x(index)))\" y=\"\(f(top + plotHeight - 6))\" text-anchor=\"middle\" class=\"gap\">no score</text>\n"
                continue
            }
            let coverage = point.coverage.map { ", coverage \(HTML.number($0 * 100, digits: 0)) %" } ?? ""
            out += "<g class=\"score-point\"><title>\(point.period): \(HTML.number(overall))\(coverage)</title>"
            out += "<circle cx=\"\(f(x(index)))\" cy=\"\(f(y(overall)))\" r=\"\(isHighlight ? 6 : 4)\" class=\"\(isHighlight ? "dot current" : "dot")\"/>"
            out += "<text x=\"\(f(x(index)))\" y=\"\(f(y(overall) - 10))\" text-anchor=\"middle\" class=\"value\">\(HTML.number(overall))</text></g>\n"
        }
        out += "</svg>"
        return out
    }
}

import Foundation
import RapportModel

/// The Trust × Respect grid as inline SVG: respect across (Low left, High right), trust up (High on
/// top), each relationship a dot with its name in its quadrant. Only the top-right quadrant is a
/// High relationship; the essay's point is that any Low needs work.
enum RelationshipGrid {
    static let width = 760.0
    static let height = 520.0
    private static let margin = 40.0
    private static let lineHeight = 20.0

    static func svg(_ points: [ReportData.RelationshipPoint]) -> String {
        let quadrantWidth = (width - margin) / 2
        let quadrantHeight = (height - margin) / 2
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="grid" role="img" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" aria-label="Relationships by trust and respect">\n
            """
        for trust in [Level.high, .low] {
            for respect in [Level.low, .high] {
                let x = margin + (respect == .high ? quadrantWidth : 0)
                let y = trust == .high ? 0 : quadrantHeight
                let healthy = trust == .high && respect == .high
                let id = "q-trust-\(trust.rawValue)-respect-\(respect.rawValue)"
                out += "<g id=\"\(id)\">\n"
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(quadrantWidth)\" height=\"\(quadrantHeight)\" class=\"\(healthy ? "q-high" : "q-low")\"/>\n"
                let title = "Trust \(trust.rawValue.capitalized) · Respect \(respect.rawValue.capitalized)" + (healthy ? " — High" : " — Low")
                out += "<text x=\"\(x + 10)\" y=\"\(y + 20)\" class=\"q-title\">\(HTML.escape(title))</text>\n"
                let inside = points.filter { $0.trust == trust && $0.respect == respect }
                let room = max(1, Int((quadrantHeight - 40) / lineHeight))
                for (index, point) in inside.prefix(inside.count > room ? room - 1 : room).enumerated() {
                    let rowY = y + 44 + Double(index) * lineHeight
                    let label = (point.stakeholder ?? "(account as a whole)") + " — " + point.account
                    let tip = label + (point.role.isEmpty ? "" : ", " + point.role) + ", assessed " + HTML.day(point.assessedAt)
                    out += "<g class=\"point\"><title>\(HTML.escape(tip))</title>"
                    out += "<circle cx=\"\(x + 18)\" cy=\"\(rowY - 5)\" r=\"6\" class=\"\(healthy ? "dot-high" : "dot-low")\"/>"
                    out += "<text x=\"\(x + 30)\" y=\"\(rowY)\">\(HTML.escape(truncated(label, to: 44)))</text></g>\n"
                }
                if inside.count > room {
                    out += "<text x=\"\(x + 30)\" y=\"\(y + 44 + Double(room - 1) * lineHeight)\" class=\"more\">+\(inside.count - room + 1) more</text>\n"
                }
                out += "</g>\n"
            }
        }
        out += "<text x=\"\(margin + quadrantWidth)\" y=\"\(height - 12)\" class=\"axis\" text-anchor=\"middle\">Respect → (Low | High)</text>\n"
        out += "<text x=\"14\" y=\"\(quadrantHeight)\" class=\"axis\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(quadrantHeight))\">Trust → (Low | High)</text>\n"
        out += "</svg>"
        return out
    }

    /// At most `count` characters, the last an ellipsis when cut (whole characters, never half an emoji).
    static func truncated(_ text: String, to count: Int) -> String {
        text.count <= count ? text : String(text.prefix(count - 1)) + "…"
    }
}

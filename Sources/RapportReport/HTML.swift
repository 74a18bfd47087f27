import Foundation

/// Text made safe for HTML and XML (the report is both), and the number formats of the report.
enum HTML {
    /// Escapes `& < > " '` and replaces control characters (other than tab and line ends), which
    /// XML forbids and which a name typed into a terminal may carry, with U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `1,250,000`: whole units with a comma every three digits, the same on every machine.
    static func money(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let whole = Int64(value.rounded())
        var digits = String(abs(whole))
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(digits, at: 0)
        return (whole < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    /// A number with `digits` decimals, or an em dash for nil.
    static func number(_ value: Double?, digits: Int = 1) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.\(digits)f", value)
    }

    /// `2026-11-23`, in UTC.
    static func day(_ date: Date?) -> String {
        guard let date else { return "—" }
        return date.formatted(Date.ISO8601FormatStyle().year().month().day())
    }

    /// A raw measurement as typed: no trailing `.0` for whole numbers.
    static func raw(_ value: Double?) -> String {
        guard let value else { return "—" }
        return CSVTable.number(value)
    }
}

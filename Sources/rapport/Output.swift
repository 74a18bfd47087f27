import Foundation

/// Prints rows as an aligned table (header underlined), or nothing for no rows.
func printTable(_ header: [String], _ rows: [[String]], empty: String = "(none)") {
    guard !rows.isEmpty else { print(empty); return }
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    print(line(header))
    print(line(widths.map { String(repeating: "─", count: $0) }))
    for row in rows { print(line(row)) }
}

/// Prints label/value pairs as two aligned columns, without a header.
func printPairs(_ pairs: [[String]]) {
    let width = pairs.map { $0[0].count }.max() ?? 0
    for pair in pairs { print(pair[0].padding(toLength: width, withPad: " ", startingAt: 0) + "  " + pair[1]) }
}

/// Prints a JSON value (dictionaries, arrays, strings, numbers, bools, NSNull) with sorted keys.
func printJSON(_ value: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])) ?? Data("null".utf8)
    print(String(decoding: data, as: UTF8.self))
}

/// Prints an Encodable as JSON.
func printEncodable<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self))
}

enum Format {
    static func day(_ date: Date?) -> String {
        guard let date else { return "—" }
        return date.formatted(Date.ISO8601FormatStyle().year().month().day())
    }

    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false))
    }

    static func hourMinute(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().time(includingFractionalSeconds: false)).prefix(5).description
    }

    static func number(_ value: Double?, digits: Int = 1) -> String {
        guard let value else { return "—" }
        return String(format: "%.\(digits)f", value)
    }

    static func money(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }
}

/// Parses `2026-11-23` or a full ISO 8601 date-time; the message says which forms work.
func parseDate(_ text: String, option: String) throws -> Date {
    if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
    if let date = try? Date(text + "T00:00:00Z", strategy: Date.ISO8601FormatStyle()) { return date }
    throw CLIError("\(option) '\(text)' is not a date: use 2026-11-23 or 2026-11-23T10:42:00Z")
}

/// A short random id a person can type, e.g. `acct-3f9a12bc`. Never derived from a customer's
/// name: ids appear in errors and logs, names must not.
func newID(_ kind: String) -> String {
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return kind + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
}

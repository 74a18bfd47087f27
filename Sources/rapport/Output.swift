import Foundation

/// Everything this module prints goes through here (it shadows `Swift.print`): control
/// characters other than line breaks are shown escaped, so a name synced from another replica
/// cannot recolour, clear or rewrite the terminal, whichever command echoes it. JSON is not
/// affected (it has no raw control characters).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(Terminal.escape(items.map { "\($0)" }.joined(separator: separator), keepingNewlines: true), terminator: terminator)
}

/// The widest a table cell is drawn, in terminal columns; longer text is cut with `…` (the full
/// text is in `--json`).
let maximumCellWidth = 48

/// Prints rows as an aligned table (header underlined), or `empty` for no rows.
///
/// The one table renderer: cells are escaped (``Terminal/escape(_:)``), measured in terminal
/// columns (``Terminal/width(_:)``: CJK and emoji 2, combining marks 0) and cut at
/// ``maximumCellWidth``, so columns line up whatever the data holds. The last column is never
/// cut: nothing follows it to misalign, and it is where reasons and advice go.
func printTable(_ header: [String], _ rows: [[String]], empty: String = "(none)") {
    guard !rows.isEmpty else { print(empty); return }
    for line in tableLines(header, rows) { print(line) }
}

/// The lines ``printTable(_:_:empty:)`` prints, without trailing spaces.
func tableLines(_ header: [String], _ rows: [[String]]) -> [String] {
    let cells = ([header] + rows).map { row in
        header.indices.map { column in
            let text = Terminal.escape(column < row.count ? row[column] : "")
            return column == header.count - 1 ? text : Terminal.truncate(text, to: maximumCellWidth)
        }
    }
    let widths = header.indices.map { column in cells.map { Terminal.width($0[column]) }.max() ?? 0 }
    func line(_ row: [String]) -> String {
        var text = ""
        for (cell, width) in zip(row, widths) {
            text += cell + String(repeating: " ", count: max(0, width - Terminal.width(cell))) + "  "
        }
        while text.last == " " { text.removeLast() }
        return text
    }
    return [line(cells[0]), line(widths.map { String(repeating: "─", count: $0) })] + cells.dropFirst().map(line)
}

/// Prints label/value pairs as two aligned columns, without a header (values escaped, not cut).
func printPairs(_ pairs: [[String]]) {
    let labels = pairs.map { Terminal.escape($0[0]) }
    let width = labels.map(Terminal.width).max() ?? 0
    for (label, pair) in zip(labels, pairs) {
        print(label + String(repeating: " ", count: width - Terminal.width(label)) + "  " + Terminal.escape(pair[1]))
    }
}

/// Prints a JSON value (dictionaries, arrays, strings, numbers, bools, NSNull) with sorted keys.
func printJSON(_ value: Any) {
    print(jsonText(value))
}

func jsonText(_ value: Any, pretty: Bool = true) -> String {
    let options: JSONSerialization.WritingOptions = pretty ? [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
                                                           : [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
    let data = (try? JSONSerialization.data(withJSONObject: value, options: options)) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// Prints an Encodable as JSON: dates ISO 8601 with zone, and an optional that is `nil` as an
/// explicit `null` (the model's Codable omits it; scripts should not have to guess).
func printEncodable<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    guard let data = try? encoder.encode(value), let object = try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) else {
        print("null")
        return
    }
    printJSON(withExplicitNulls(object, from: value))
}

/// Adds `null` for every `nil` stored property that the encoder left out. Relies on the model's
/// coding keys being its property names (they are: see each type's `CodingKeys`).
private func withExplicitNulls(_ json: Any, from value: Any) -> Any {
    let mirror = Mirror(reflecting: value)
    if var array = json as? [Any], mirror.displayStyle == .collection {
        for (index, element) in mirror.children.map(\.value).enumerated() where index < array.count {
            array[index] = withExplicitNulls(array[index], from: element)
        }
        return array
    }
    guard var object = json as? [String: Any], mirror.displayStyle == .struct else { return json }
    for child in mirror.children {
        guard let label = child.label else { continue }
        let inner = Mirror(reflecting: child.value)
        if inner.displayStyle == .optional {
            if let wrapped = inner.children.first?.value {
                if let present = object[label] { object[label] = withExplicitNulls(present, from: wrapped) }
            } else if object[label] == nil {
                object[label] = NSNull()
            }
        } else if let present = object[label] {
            object[label] = withExplicitNulls(present, from: child.value)
        }
    }
    return object
}

enum Format {
    static func day(_ date: Date?) -> String {
        guard let date else { return "—" }
        return date.formatted(Date.ISO8601FormatStyle().year().month().day())
    }

    /// ISO 8601 with the zone (`2026-11-23T10:42:00Z`): the one date format of `--json`.
    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
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

/// A short random id a person can type, e.g. `acct-3f9a12bc`. Never derived from a customer's
/// name: ids appear in errors and logs, names must not.
func newID(_ kind: String) -> String {
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return kind + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
}

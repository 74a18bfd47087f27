import Foundation

/// A table written as RFC 4180 CSV: a header row, then one line per row, CRLF line ends.
///
/// Cells are typed so each kind is written one way:
/// - text is quoted when it holds a comma, a double quote, CR or LF (quotes doubled inside);
/// - text starting with `=`, `+`, `-`, `@`, a tab or CR is a formula to a spreadsheet, so it gets a
///   leading apostrophe (`'=1+1`), which spreadsheets show as text and never evaluate (the OWASP
///   advice on CSV injection). Numbers and dates are written by us and never get one, so `-3.5`
///   stays a number;
/// - numbers use a dot and as many digits as needed to read back the same `Double`;
/// - dates are ISO 8601 in UTC with seconds (`2026-11-23T10:42:00Z`);
/// - a missing value is an empty cell: two commas in a row, never `null` or `—`.
///
/// ``encoded(byteOrderMark:)`` gives UTF-8; with a byte order mark Excel reads accents and emoji
/// correctly when the file is opened by a double click, which it does not without one.
public struct CSVTable: Sendable, Hashable {
    /// One value of a row.
    public enum Cell: Sendable, Hashable {
        case text(String)
        case number(Double)
        case date(Date)
        case empty

        /// `.text(value)` or `.empty` for `nil`.
        public static func text(_ value: String?) -> Cell { value.map(Cell.text) ?? .empty }
        /// `.number(value)` or `.empty` for `nil`.
        public static func number(_ value: Double?) -> Cell { value.map(Cell.number) ?? .empty }
        /// `.date(value)` or `.empty` for `nil`.
        public static func date(_ value: Date?) -> Cell { value.map(Cell.date) ?? .empty }
    }

    public let header: [String]
    public private(set) var rows: [[Cell]]

    public init(header: [String], rows: [[Cell]] = []) {
        self.header = header
        self.rows = []
        for row in rows { append(row) }
    }

    /// Adds a row; it must have one cell per header column.
    public mutating func append(_ row: [Cell]) {
        precondition(row.count == header.count, "a CSV row has \(row.count) cells for \(header.count) columns")
        rows.append(row)
    }

    /// The whole table as text, every line (the last included) ended by CRLF.
    public var text: String {
        var out = ""
        out += header.map { Self.field(.text($0)) }.joined(separator: ",") + "\r\n"
        for row in rows { out += row.map(Self.field).joined(separator: ",") + "\r\n" }
        return out
    }

    /// UTF-8 bytes of ``text``, optionally preceded by the UTF-8 byte order mark EF BB BF.
    public func encoded(byteOrderMark: Bool) -> Data {
        (byteOrderMark ? Data([0xEF, 0xBB, 0xBF]) : Data()) + Data(text.utf8)
    }

    /// One field as it appears in the file.
    static func field(_ cell: Cell) -> String {
        switch cell {
        case .empty: return ""
        case .number(let value): return Self.number(value)
        case .date(let date): return date.formatted(Date.ISO8601FormatStyle())
        case .text(let text):
            var value = text
            if let first = value.unicodeScalars.first, Self.formulaStarts.contains(first) { value = "'" + value }
            guard value.unicodeScalars.contains(where: Self.needsQuotes.contains) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    /// Whole numbers without a fraction (`250000`), others in the shortest form that reads back.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
    private static let needsQuotes: Set<Unicode.Scalar> = [",", "\"", "\r", "\n"]
}

import Foundation

/// A calendar year, quarter or month in UTC, written "2026", "2026-Q3" or "2026-11".
///
/// `start` is inclusive and `end` exclusive, both at UTC midnight, so a measurement period means
/// the same instants on every device whatever its time zone. Periods order by start, then by end,
/// so "2026" sorts after "2026-Q1" (same start, later end). Encodes as its string form.
public struct Period: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    private enum Span: Hashable {
        case year
        case quarter(Int)
        case month(Int)
    }

    /// The calendar year, 1…9999.
    public let year: Int
    private let span: Span

    /// Parses "YYYY", "YYYY-Qn" (n 1…4, `q` also accepted) or "YYYY-MM" (01…12).
    /// Throws ``ScorecardError/Code/invalidPeriod`` for anything else.
    public init(_ text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let year = Self.number(parts[0], digits: 4), year >= 1 else {
            throw Self.invalid(text)
        }
        self.year = year
        guard parts.count == 2 else {
            span = .year
            return
        }
        let rest = parts[1]
        if let first = rest.first, first == "Q" || first == "q" {
            guard let quarter = Self.number(rest.dropFirst(), digits: 1), (1...4).contains(quarter) else {
                throw Self.invalid(text)
            }
            span = .quarter(quarter)
        } else {
            guard let month = Self.number(rest, digits: 2), (1...12).contains(month) else {
                throw Self.invalid(text)
            }
            span = .month(month)
        }
    }

    /// How long a period is: a year, a quarter or a month.
    public enum Granularity: String, Sendable, Hashable, Codable, CaseIterable {
        case year, quarter, month
    }

    public var granularity: Granularity {
        switch span {
        case .year: .year
        case .quarter: .quarter
        case .month: .month
        }
    }

    /// The first instant of the period (inclusive).
    public var start: Date { Self.date(year: year, month: firstMonth) }

    /// The first instant after the period (exclusive).
    public var end: Date {
        let next = firstMonth + monthCount
        return Self.date(year: year + (next - 1) / 12, month: (next - 1) % 12 + 1)
    }

    /// Whether `date` falls within `start..<end`.
    public func contains(_ date: Date) -> Bool {
        start <= date && date < end
    }

    public var description: String {
        switch span {
        case .year: String(format: "%04d", year)
        case .quarter(let quarter): String(format: "%04d-Q%d", year, quarter)
        case .month(let month): String(format: "%04d-%02d", year, month)
        }
    }

    public static func < (lhs: Period, rhs: Period) -> Bool {
        (lhs.year, lhs.firstMonth, lhs.monthCount) < (rhs.year, rhs.firstMonth, rhs.monthCount)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch let error as ScorecardError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private var firstMonth: Int {
        switch span {
        case .year: 1
        case .quarter(let quarter): 3 * (quarter - 1) + 1
        case .month(let month): month
        }
    }

    private var monthCount: Int {
        switch span {
        case .year: 12
        case .quarter: 3
        case .month: 1
        }
    }

    /// Exactly `digits` ASCII digits; `Int(_:)` alone would accept signs and other lengths.
    private static func number(_ text: Substring, digits: Int) -> Int? {
        guard text.count == digits, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    private static func invalid(_ text: String) -> ScorecardError {
        ScorecardError(
            .invalidPeriod,
            "\"\(text)\" is not a period; write a year (2026), a quarter (2026-Q3) or a month (2026-11)."
        )
    }

    private static func date(year: Int, month: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Components are range-checked by the parser, so the calendar always has an answer.
        return calendar.date(from: DateComponents(year: year, month: month, day: 1))!
    }
}

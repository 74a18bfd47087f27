import ArgumentParser
import Foundation
import RapportModel

// Shared checks for what a person types. Every command that takes a date, an amount, a name or a
// period uses these, so the accepted ranges are the same everywhere and documented once
// (README, "Input, output and errors"). Each check throws a `CLIError` with code `invalidInput`
// that says what was wrong and what to type instead; commands run them before writing anything.

/// Which dates an option accepts.
///
/// Dates before 2000 are typos (0001, 1026); the upper bound depends on what the date means.
enum DateWindow {
    /// Something that happened: an assessment, a crisis starting or being resolved. At most one day
    /// ahead of now (a time zone ahead), so a typo such as 2099 cannot hide an account from
    /// `attention` for decades.
    case past
    /// A date a CSM plans with: a renewal, weights taking effect. Up to ten years ahead.
    case planning

    static let earliest = DateComponents(calendar: utcCalendar, year: 2000, month: 1, day: 1).date!

    func latest(now: Date = Date()) -> Date {
        switch self {
        case .past: now.addingTimeInterval(86_400)
        case .planning: utcCalendar.date(byAdding: .year, value: 10, to: now)!
        }
    }

    var label: String {
        switch self {
        case .past: "from 2000-01-01 up to today"
        case .planning: "from 2000-01-01 up to ten years from today"
        }
    }
}

let utcCalendar: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
}()

/// Parses `2026-11-23` (midnight UTC) or a full ISO 8601 date-time such as `2026-11-23T10:42:00Z`,
/// refusing days a month does not have (2026-02-30 is not 2 March) and dates outside `window`.
func parseDate(_ text: String, option: String, window: DateWindow = .past, now: Date = Date()) throws -> Date {
    let forms = "use 2026-11-23 or 2026-11-23T10:42:00Z"
    let dayPart = text.prefix(10)
    let fields = dayPart.split(separator: "-", omittingEmptySubsequences: false)
    guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
          let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
          fields.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
    else { throw CLIError("\(option) '\(text)' is not a date: \(forms)", code: .invalidInput) }
    guard (1...12).contains(month),
          let days = utcCalendar.range(of: .day, in: .month, for: DateComponents(calendar: utcCalendar, year: year, month: month, day: 1).date!),
          days.contains(day)
    else { throw CLIError("\(option) '\(text)': \(dayPart) is not a day of the calendar (check the month's length)", code: .invalidInput) }
    let parsed: Date
    if text.count == 10, let midnight = DateComponents(calendar: utcCalendar, year: year, month: month, day: day).date {
        parsed = midnight
    } else if let full = try? Date(text, strategy: Date.ISO8601FormatStyle()) {
        parsed = full
    } else {
        throw CLIError("\(option) '\(text)' is not a date: \(forms)", code: .invalidInput)
    }
    guard parsed >= DateWindow.earliest, parsed <= window.latest(now: now) else {
        throw CLIError("\(option) '\(text)' is out of range: give a date \(window.label)", code: .invalidInput)
    }
    return parsed
}

/// Parses a period to record data for (`2026`, `2026-Q3`, `2026-11`), from 2000 up to next year.
func parsePeriod(_ text: String, option: String = "--period", now: Date = Date()) throws -> Period {
    let period = try cli { try Period(text) }
    let thisYear = utcCalendar.component(.year, from: now)
    guard (2000...thisYear + 1).contains(period.year) else {
        throw CLIError("\(option) '\(text)' is out of range: give a period from 2000 up to \(thisYear + 1)", code: .invalidInput)
    }
    return period
}

/// Amounts of money (ARR): finite, not negative, at most a trillion.
enum Money {
    static let maximum = 1_000_000_000_000.0

    /// Returns `value` if it is an amount a CSM could mean, else says what is accepted.
    static func check(_ value: Double, option: String) throws -> Double {
        guard value.isFinite, value >= 0, value <= maximum else {
            throw CLIError("\(option) \(value) is not an amount: give a number from 0 to 1000000000000, e.g. \(option) 120000", code: .invalidInput)
        }
        return value
    }
}

/// Names of accounts and people (and their segment, owner and role): what a table shows.
enum Name {
    static let maximumLength = 200

    /// Refuses empty or blank names, control characters (terminal escapes, newlines, tabs) and
    /// names over 200 characters; returns the name without surrounding spaces.
    static func check(_ text: String, what: String, allowEmpty: Bool = false) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            if allowEmpty { return trimmed }
            throw CLIError("the \(what) must not be empty or only spaces", code: .invalidInput)
        }
        if trimmed.unicodeScalars.contains(where: Terminal.isControl) {
            throw CLIError("the \(what) must not contain control characters (newlines, tabs, terminal escapes): type it on one line, as text", code: .invalidInput)
        }
        guard trimmed.count <= maximumLength else {
            throw CLIError("the \(what) is \(trimmed.count) characters; at most \(maximumLength) are accepted", code: .invalidInput)
        }
        return trimmed
    }
}

/// Ids a person gives (`--id`): 1–64 letters, digits and `-_.:`, so they can be typed back.
func checkID(_ text: String, option: String = "--id") throws -> String {
    let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0)) }
    guard (1...64).contains(text.count), allowed else {
        throw CLIError("\(option) '\(text)' is not an id: use 1 to 64 letters, digits, '-', '_', '.' or ':', e.g. \(option) acme", code: .invalidInput)
    }
    return text
}

/// A number typed as an argument, also when negative (`rapport measure nps -20 --period 2026`).
///
/// swift-argument-parser reads `-20` as an option; `Rapport.main` retries such a command line with
/// the minus written as U+2212, which this type (unlike `Double`) reads back. NaN and infinity are
/// refused. Use it for a positional that may be negative; options take `parsing: .unconditional`.
struct SignedNumber: ExpressibleByArgument, Sendable {
    let value: Double

    init?(argument: String) {
        let ascii = argument.replacingOccurrences(of: "\u{2212}", with: "-")
        guard let value = Double(ascii), value.isFinite else { return nil }
        self.value = value
    }
}

import Foundation
import RapportModel

/// A UTC instant from "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ", so test dates read like the calendar.
func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = text.count == 10 ? [.withFullDate] : [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { preconditionFailure("bad test date \(text)") }
    return date
}

func period(_ text: String) -> Period {
    // Test fixtures use literal, known-good periods.
    try! Period(text)
}

func isClose(_ a: Double?, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance
}

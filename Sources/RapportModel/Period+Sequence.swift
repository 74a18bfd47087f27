import Foundation

extension Period {
    /// The period right after this one, of the same granularity; nil after 9999.
    public var next: Period? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: end)
        guard let year = parts.year, let month = parts.month, year <= 9999 else { return nil }
        let text = switch granularity {
        case .year: String(format: "%04d", year)
        case .quarter: String(format: "%04d-Q%d", year, (month - 1) / 3 + 1)
        case .month: String(format: "%04d-%02d", year, month)
        }
        return try? Period(text)
    }

    /// Whether `other` lies within this period (a month of its quarter, a quarter of its year, or itself).
    public func contains(_ other: Period) -> Bool { start <= other.start && other.end <= end }

    /// The periods one step finer that make up this one: a year's quarters, a quarter's months;
    /// none for a month.
    public var parts: [Period] {
        let texts: [String] = switch granularity {
        case .year: (1...4).map { String(format: "%04d-Q%d", year, $0) }
        case .quarter: (0..<3).map { String(format: "%04d-%02d", year, Calendar.utc.component(.month, from: start) + $0) }
        case .month: []
        }
        return texts.compactMap { try? Period($0) }
    }

    /// Every period from `first` through `last`, both included, of their (common) granularity.
    ///
    /// Throws ``ScorecardError/Code/invalidPeriod`` when the two differ in granularity, when `last`
    /// is before `first`, or when the range holds more than `limit` periods.
    public static func range(from first: Period, through last: Period, limit: Int = 240) throws -> [Period] {
        guard first.granularity == last.granularity else {
            throw ScorecardError(.invalidPeriod, "\(first) and \(last) are not the same kind of period; give two months, two quarters or two years.")
        }
        guard first <= last else {
            throw ScorecardError(.invalidPeriod, "\(last) is before \(first); give the earlier period first.")
        }
        var periods = [first]
        while let current = periods.last, current < last, let next = current.next {
            guard periods.count < limit else {
                throw ScorecardError(.invalidPeriod, "\(first) to \(last) is more than \(limit) periods; choose a shorter range or coarser periods.")
            }
            periods.append(next)
        }
        return periods
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

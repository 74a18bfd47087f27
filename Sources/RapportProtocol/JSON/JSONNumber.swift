/// One JSON number as read: where its text lies, and what its grammar said about it.
///
/// Converted only when a value is taken, with Foundation's rules, so both readers accept and refuse
/// the same numbers: a whole-number type takes a plain integer exactly and anything else only when
/// it is a whole number the type holds (`1.0`, `1e2`, `-0`); a `Double` takes any number that does
/// not overflow to infinity or underflow to zero from non-zero digits (`1e400`, `1e-400` are refused).
struct JSONNumber {
    var start: Int
    var end: Int
    /// No fraction and no exponent.
    var isPlainInteger: Bool
    var isNegative: Bool
}

extension JSONReader {
    /// Reads the number at the cursor (checked with `peekKind`), checking its grammar.
    mutating func readNumber() throws(JSONFailure) -> JSONNumber {
        let start = at
        let negative = bytes[at] == UInt8(ascii: "-")
        if negative { at += 1 }
        guard at < bytes.count, isDigit(bytes[at]) else { throw .syntax }
        let first = bytes[at]
        at += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        var plain = true
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            plain = false
            at += 1
            guard at < bytes.count, isDigit(bytes[at]) else { throw .syntax }
            skipDigits()
        }
        if at < bytes.count, bytes[at] | 0x20 == UInt8(ascii: "e") {
            plain = false
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard at < bytes.count, isDigit(bytes[at]) else { throw .syntax }
            skipDigits()
        }
        return JSONNumber(start: start, end: at, isPlainInteger: plain, isNegative: negative)
    }

    @inline(__always)
    private mutating func skipDigits() {
        while at < bytes.count, isDigit(bytes[at]) { at += 1 }
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: conversions

    /// The number as a `UInt64` by Foundation's rules, or nil when it is negative, fractional or too large.
    func uint64(_ number: JSONNumber) -> UInt64? {
        if number.isPlainInteger {
            var value: UInt64 = 0
            var index = number.start + (number.isNegative ? 1 : 0)
            while index < number.end {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[index] &- UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                value = sum
                index += 1
            }
            return number.isNegative && value != 0 ? nil : value
        }
        guard let whole = wholeNumber(number, fits: { UInt64(exactly: $0) != nil }), !whole.negative || whole.magnitude == 0 else { return nil }
        return whole.magnitude
    }

    /// The number as an `Int` by Foundation's rules, or nil when it is fractional or out of range.
    func int(_ number: JSONNumber) -> Int? {
        if number.isPlainInteger {
            var magnitude: UInt64 = 0
            var index = number.start + (number.isNegative ? 1 : 0)
            while index < number.end {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[index] &- UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                magnitude = sum
                index += 1
            }
            return Self.signed(number.isNegative, magnitude)
        }
        guard let whole = wholeNumber(number, fits: { Int(exactly: $0) != nil }) else { return nil }
        return Self.signed(whole.negative, whole.magnitude)
    }

    private static func signed(_ negative: Bool, _ magnitude: UInt64) -> Int? {
        guard negative else { return Int(exactly: magnitude) }
        if magnitude == UInt64(Int.max) + 1 { return .min }
        return Int(exactly: magnitude).map { -$0 }
    }

    /// Foundation's slow path for a whole-number type: the text as a `Double`, which must be a whole
    /// number; below 2^53 that is the value, above it the exact whole part of the decimal text.
    private func wholeNumber(_ number: JSONNumber, fits: (Double) -> Bool) -> (negative: Bool, magnitude: UInt64)? {
        guard let double = double(number, refusingUnderflow: false), fits(double) else { return nil }
        if double.magnitude < 9_007_199_254_740_992 {
            return (double < 0, UInt64(double.magnitude))
        }
        return exactWholePart(number)
    }

    /// The whole part of the decimal text, exactly, when it fits 64 bits.
    private func exactWholePart(_ number: JSONNumber) -> (negative: Bool, magnitude: UInt64)? {
        var digits: [UInt8] = []
        var pointAt: Int?
        var index = number.start + (number.isNegative ? 1 : 0)
        while index < number.end, bytes[index] | 0x20 != UInt8(ascii: "e") {
            if bytes[index] == UInt8(ascii: ".") { pointAt = digits.count } else { digits.append(bytes[index] &- UInt8(ascii: "0")) }
            index += 1
        }
        var exponent = 0
        if index < number.end {
            index += 1
            var negativeExponent = false
            if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negativeExponent = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            while index < number.end {
                exponent = min(exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0")), 100_000)
                index += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        let wholeDigits = (pointAt ?? digits.count) + exponent
        guard wholeDigits <= 40 else { return nil }
        var magnitude: UInt64 = 0
        for position in 0..<max(0, wholeDigits) {
            let digit = position < digits.count ? UInt64(digits[position]) : 0
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            magnitude = sum
        }
        return (number.isNegative, magnitude)
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The number as a `Double` by Foundation's rules: nil when it overflows, or (with
    /// `refusingUnderflow`) when non-zero digits round to zero.
    func double(_ number: JSONNumber, refusingUnderflow: Bool = true) -> Double? {
        // Exact and correctly rounded without strtod: up to 15 digits times a power of ten that is
        // itself exact (Clinger's fast path), which covers integers, money and most measurements.
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var index = number.start + (number.isNegative ? 1 : 0)
        var fraction = false
        var fast = true
        while index < number.end {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                fraction = true
            } else if byte | 0x20 == UInt8(ascii: "e") {
                fast = false
                break
            } else {
                if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                if fraction { scale += 1 }
            }
            index += 1
        }
        if fast, digits <= 15, scale <= 22 {
            let magnitude = Double(mantissa) / Self.powersOfTen[scale]
            return number.isNegative ? -magnitude : magnitude
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[number.start..<number.end]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        if refusingUnderflow, value == 0, hasNonZeroDigit(number) { return nil }
        return value
    }

    private func hasNonZeroDigit(_ number: JSONNumber) -> Bool {
        var index = number.start
        while index < number.end, bytes[index] | 0x20 != UInt8(ascii: "e") {
            if bytes[index] >= UInt8(ascii: "1") && bytes[index] <= UInt8(ascii: "9") { return true }
            index += 1
        }
        return false
    }
}

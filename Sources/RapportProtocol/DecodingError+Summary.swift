import Foundation

extension DecodingError {
    static let outOfRangeNumber = "a number is negative, fractional or too large where a whole number is expected (a clock count or a dot)"

    /// A short, value-free account of what was wrong and where, for rejection messages and logs.
    ///
    /// The path is relative to `base` (the element being decoded), e.g. `fields.trust.stamp`.
    func summary(below base: [any CodingKey] = []) -> String {
        let text: String
        switch self {
        case .keyNotFound(let key, let context):
            let path = Self.path(context.codingPath, below: base)
            text = path.isEmpty ? "missing '\(key.stringValue)'" : "\(path): missing '\(key.stringValue)'"
        case .valueNotFound(let type, let context):
            text = Self.located("null where \(Self.expectation(type)) is required", at: context.codingPath, below: base)
        case .typeMismatch(let type, let context):
            text = Self.located("expected \(Self.expectation(type))", at: context.codingPath, below: base)
        case .dataCorrupted(let context):
            // Foundation reports an out-of-range number (a negative dot, a fraction where an
            // integer belongs) as "not valid JSON"; the body did parse, so say what it really means.
            let detail = context.debugDescription.contains("not valid JSON") ? Self.outOfRangeNumber : context.debugDescription
            text = Self.located(detail, at: context.codingPath, below: base)
        @unknown default:
            text = "not a valid record version"
        }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    private static func located(_ detail: String, at codingPath: [any CodingKey], below base: [any CodingKey]) -> String {
        let path = path(codingPath, below: base)
        return path.isEmpty ? detail : "\(path): \(detail)"
    }

    private static func path(_ codingPath: [any CodingKey], below base: [any CodingKey]) -> String {
        let relative = codingPath.count >= base.count ? codingPath.dropFirst(base.count) : codingPath[...]
        var text = ""
        for key in relative {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func expectation(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is UInt64.Type, is UInt32.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default:
            String(describing: type).hasPrefix("Dictionary") ? "an object"
                : String(describing: type).hasPrefix("Array") ? "an array" : "a different type"
        }
    }
}

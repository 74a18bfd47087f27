import Foundation

/// Semantic equality of two JSONSerialization trees: key order and number spelling
/// (`184000` vs `184000.0`) do not matter, but booleans never equal numbers.
enum JSONComparison {
    static func equal(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (let a as [String: Any], let b as [String: Any]):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { equal(value, $0) } ?? false }
        case (let a as [Any], let b as [Any]):
            return a.count == b.count && zip(a, b).allSatisfy(equal)
        case (let a as String, let b as String):
            return a == b
        case (is NSNull, is NSNull):
            return true
        case (let a as NSNumber, let b as NSNumber):
            // On Linux a JSON 1 also casts to Bool, so tell booleans apart by their storage type.
            return isBoolean(a) == isBoolean(b) && a.doubleValue == b.doubleValue
        default:
            return false
        }
    }

    static func object(_ data: Data) throws -> Any {
        try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}

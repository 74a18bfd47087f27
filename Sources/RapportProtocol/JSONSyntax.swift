import Foundation

/// Whether bytes are one JSON text by the grammar of RFC 8259, whatever the magnitude of its numbers.
///
/// Foundation reports a number it cannot represent (`1e400`) exactly like broken syntax, and its
/// `JSONSerialization` refuses such a document too, so neither can tell a client "your body is not
/// JSON" from "one number in it is out of range". This check reads the grammar only, iteratively
/// (a deeply nested body cannot exhaust the stack), and requires valid UTF-8.
public enum JSONSyntax {
    public static func isValid(_ data: Data) -> Bool {
        // Not String(validating:as:): it needs iOS 18, and this module ships to iOS 17.
        guard String(data: data, encoding: .utf8) != nil else { return false }
        return data.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            return scanner.scanDocument()
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var current: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { at += 1 }
        }

        mutating func scanDocument() -> Bool {
            // Open containers, innermost last: '{' or '['.
            var open: [UInt8] = []
            skipSpace()
            while true {
                // A value is expected here.
                switch current {
                case UInt8(ascii: "{"):
                    at += 1
                    skipSpace()
                    if current == UInt8(ascii: "}") {
                        at += 1
                    } else {
                        open.append(UInt8(ascii: "{"))
                        guard scanKey() else { return false }
                        continue
                    }
                case UInt8(ascii: "["):
                    at += 1
                    skipSpace()
                    if current == UInt8(ascii: "]") {
                        at += 1
                    } else {
                        open.append(UInt8(ascii: "["))
                        continue
                    }
                case UInt8(ascii: "\""):
                    guard scanString() else { return false }
                case UInt8(ascii: "t"): guard scanLiteral("true") else { return false }
                case UInt8(ascii: "f"): guard scanLiteral("false") else { return false }
                case UInt8(ascii: "n"): guard scanLiteral("null") else { return false }
                default:
                    guard scanNumber() else { return false }
                }
                // A value ended: close containers until one continues with a comma.
                while true {
                    skipSpace()
                    guard let container = open.last else { return at == bytes.count }
                    guard let byte = current else { return false }
                    if byte == UInt8(ascii: ",") {
                        at += 1
                        skipSpace()
                        if container == UInt8(ascii: "{") { guard scanKey() else { return false } }
                        break
                    }
                    let close = container == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    guard byte == close else { return false }
                    at += 1
                    open.removeLast()
                }
            }
        }

        /// A member's name and colon, leaving the scanner at its value.
        mutating func scanKey() -> Bool {
            guard current == UInt8(ascii: "\""), scanString() else { return false }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return false }
            at += 1
            skipSpace()
            return true
        }

        mutating func scanString() -> Bool {
            at += 1
            while let byte = current {
                at += 1
                switch byte {
                case UInt8(ascii: "\""): return true
                case UInt8(ascii: "\\"):
                    guard let escaped = current else { return false }
                    at += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        for _ in 0..<4 {
                            guard let hex = current, isHexDigit(hex) else { return false }
                            at += 1
                        }
                    default: return false
                    }
                case 0..<0x20: return false
                default: continue
                }
            }
            return false
        }

        mutating func scanLiteral(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - at >= count else { return false }
            for offset in 0..<count where bytes[at + offset] != word.utf8Start[offset] { return false }
            at += count
            return true
        }

        mutating func scanNumber() -> Bool {
            if current == UInt8(ascii: "-") { at += 1 }
            guard let first = current, isDigit(first) else { return false }
            at += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if current == UInt8(ascii: ".") {
                at += 1
                guard let digit = current, isDigit(digit) else { return false }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                at += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
                guard let digit = current, isDigit(digit) else { return false }
                skipDigits()
            }
            return true
        }

        mutating func skipDigits() {
            while let byte = current, isDigit(byte) { at += 1 }
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
        }
    }
}

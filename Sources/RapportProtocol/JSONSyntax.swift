import Foundation

/// Whether bytes are one JSON text by the grammar of RFC 8259, whatever the magnitude of its numbers
/// and however deep its nesting.
///
/// Foundation reports a number it cannot represent (`1e400`) exactly like broken syntax, and its
/// `JSONSerialization` refuses such a document too, so neither can tell a client "your body is not
/// JSON" from "one number in it is out of range". This is the codec's own reader skipping one
/// value with no depth cap (skipping is iterative, so nesting cannot exhaust the stack); it
/// requires valid UTF-8.
public enum JSONSyntax {
    public static func isValid(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var reader = JSONReader(raw.bindMemory(to: UInt8.self), depthLimit: .max)
            do {
                try reader.skipValue()
                try reader.expectEnd()
                return true
            } catch {
                return false
            }
        }
    }
}

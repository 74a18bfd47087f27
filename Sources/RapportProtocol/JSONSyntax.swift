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

    /// The members of the one JSON object `bytes` holds, in order: each key, and where the raw text
    /// of its value lies in `bytes`; nil when `bytes` is not exactly one object or a key repeats.
    ///
    /// For formats that embed a stored JSON value verbatim beside a few fields of their own (a
    /// server dump line carries a record version exactly as the server stored it): the caller
    /// decodes the small fields and takes the embedded value's bytes as they are, unparsed and
    /// unchanged. The whole text is checked by the grammar, with no depth cap (see `isValid`).
    public static func members(ofObject bytes: [UInt8]) -> [(key: String, value: Range<Int>)]? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer, depthLimit: .max)
            var members: [(key: String, value: Range<Int>)] = []
            var seen: Set<String> = []
            do {
                guard try reader.peekKind() == .object else { return nil }
                if try reader.beginObject() {
                    repeat {
                        let key = try reader.readKey().string(in: buffer)
                        guard seen.insert(key).inserted else { return nil }
                        reader.skipSpace()
                        let start = reader.at
                        try reader.skipValue()
                        members.append((key, start..<reader.at))
                    } while try reader.nextMember()
                }
                try reader.expectEnd()
                return members
            } catch {
                return nil
            }
        }
    }
}

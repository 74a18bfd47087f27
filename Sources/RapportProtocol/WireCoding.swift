import Foundation

/// The JSON encoder and decoder every side of the protocol uses, and a decode that answers in
/// protocol errors.
///
/// No dates travel on the wire (times are stamps and epoch milliseconds), so no date strategy is
/// set; keys are not sorted, because nothing depends on their order and sorting costs time on
/// large pages. Make a new coder per use: `JSONEncoder`/`JSONDecoder` are not `Sendable`.
public enum WireCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder { JSONDecoder() }

    /// Decodes a request body, turning failures into the errors a server should answer with:
    /// `malformed_json` (400) for a body that is not JSON, `unprocessable` (422) for JSON of the
    /// wrong shape. Messages name the place and the problem, never the values.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(ProtocolError) -> T {
        do {
            return try decoder().decode(type, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, !isWellFormed(data) {
                throw ProtocolError(.malformedJSON, data.isEmpty ? "the request body is empty; send a JSON object" : "the request body is not valid JSON")
            }
            throw ProtocolError(.unprocessable, "the request body has the wrong shape: \(error.summary())")
        } catch {
            throw ProtocolError(.unprocessable, "the request body could not be read as \(T.self)")
        }
    }

    /// Foundation reports an out-of-range number exactly like broken syntax, so re-read the grammar
    /// to tell them apart (`JSONSerialization` cannot: it refuses `1e400` as well).
    private static func isWellFormed(_ data: Data) -> Bool { JSONSyntax.isValid(data) }
}

/// Why bytes could not be read as the JSON a wire type needs: broken syntax, nesting too deep, or
/// well-formed JSON of the wrong shape.
///
/// The kinds matter to a server: syntax is the whole body's fault (`malformed_json`, 400), nesting
/// beyond `JSONReader.maxDepth` is refused whole like Foundation does (`unprocessable`, 422), and a
/// shape problem inside one pushed element rejects that element alone. `message` names the place
/// (`fields.trust.stamp: …`) and never a value sent.
struct JSONFailure: Error, Sendable {
    enum Kind: Sendable { case syntax, tooDeep, shape }

    let kind: Kind
    let message: String

    static let syntax = JSONFailure(kind: .syntax, message: "the request body is not valid JSON")
    static let tooDeep = JSONFailure(kind: .tooDeep, message: "arrays and objects are nested deeper than \(JSONReader.maxDepth) levels")

    /// A shape problem at `path` (relative to the value being decoded; empty for the value itself).
    static func shape(_ detail: String, at path: String = "") -> JSONFailure {
        JSONFailure(kind: .shape, message: path.isEmpty ? detail : "\(path): \(detail)")
    }

    /// The message cut to the length `DecodingError.summary` allows, so a huge key cannot make a huge reason.
    var shortMessage: String { message.count > 300 ? String(message.prefix(300)) + "…" : message }
}

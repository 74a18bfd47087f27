import Hummingbird
import RapportProtocol

extension Response {
    /// A JSON answer encoded the way every side of the protocol encodes (`WireCoding`).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try WireCoding.encoder().encode(value)
        return json(bytes: ByteBuffer(bytes: data), status: status, headers: headers)
    }

    /// A JSON answer from bytes that are already JSON (a spliced change feed page).
    static func json(bytes: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: bytes))
    }
}

import Foundation
import Hummingbird
import RapportProtocol

extension Response {
    /// A JSON answer encoded the way every side of the protocol encodes (`WireCoding`).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
                     acceptEncoding: String? = nil) throws -> Response {
        let data = try WireCoding.encoder().encode(value)
        return json(bytes: ByteBuffer(bytes: data), status: status, headers: headers, acceptEncoding: acceptEncoding)
    }

    /// A JSON answer from bytes that are already JSON (a spliced change feed page).
    ///
    /// With the request's `Accept-Encoding` listing gzip, a body of `Gzip.minimumSize` bytes or
    /// more is sent gzipped. Sync answers also say the server takes gzip request bodies
    /// (`Accept-Encoding: gzip`, RFC 7694), which is how a client learns it may compress its pushes.
    static func json(bytes: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
                     acceptEncoding: String? = nil) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        guard let acceptEncoding else { return Response(status: status, headers: headers, body: .init(byteBuffer: bytes)) }
        headers[.vary] = "Accept-Encoding"
        headers[.acceptEncoding] = "gzip"
        guard Gzip.isListed(in: acceptEncoding), bytes.readableBytes >= Gzip.minimumSize else {
            return Response(status: status, headers: headers, body: .init(byteBuffer: bytes))
        }
        let compressed = bytes.readableBytesView.withContiguousStorageIfAvailable { Gzip.compress(UnsafeRawBufferPointer($0)) }
            ?? Gzip.compress(Array(bytes.readableBytesView))
        guard let compressed else { return Response(status: status, headers: headers, body: .init(byteBuffer: bytes)) }
        headers[.contentEncoding] = "gzip"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: compressed)))
    }
}

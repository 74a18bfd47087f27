import Foundation
@testable import RapportClient
import Testing

/// The answer parser alone: every framing, whatever the pieces the bytes arrive in.
@Suite struct HTTPResponseParserTests {
    /// Feeds `text` in pieces of `size` bytes, then the connection's end when `close`.
    private func parse(_ text: String, pieces size: Int = 1, close: Bool = false, bodyless: Bool = false,
                       maxBodyBytes: Int = HTTPResponseParser.defaultMaxBodyBytes) throws -> HTTPResponseParser {
        var parser = HTTPResponseParser(bodyless: bodyless, maxBodyBytes: maxBodyBytes)
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            try parser.feed(bytes[start..<min(bytes.count, start + size)])
        }
        if close { try parser.finish() }
        return parser
    }

    @Test(arguments: [1, 3, 1000])
    func aChunkedAnswerArrivingInAnyPiecesIsJoined(pieces: Int) throws {
        let parser = try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n4;x=y\r\nabcd\r\nA\r\n0123456789\r\n0\r\nTrailer: 1\r\n\r\n", pieces: pieces)
        #expect(parser.isComplete && parser.keepsConnection)
        #expect(parser.status == 200 && parser.headers["Content-Encoding"] == "gzip")
        #expect(parser.body == Data("abcd0123456789".utf8))
    }

    @Test func aBodyWithoutALengthRunsToTheConnectionsEndAndClosesIt() throws {
        var parser = try parse("HTTP/1.1 200 OK\r\n\r\nall of it", pieces: 4)
        #expect(!parser.isComplete)
        try parser.finish()
        #expect(parser.body == Data("all of it".utf8) && !parser.keepsConnection)
    }

    @Test func anAnswerCutShortIsNotComplete() throws {
        var parser = try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        #expect(throws: HTTPResponseParser.Failure.self) { try parser.finish() }
    }

    @Test func interimAnswersAreSkippedAndNoContentHasNoBody() throws {
        let parser = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", pieces: 7)
        #expect(parser.isComplete && parser.status == 204 && parser.body.isEmpty)
    }

    @Test func connectionCloseAndHTTP10AnswersAreNotKept() throws {
        #expect(try !parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepsConnection)
        #expect(try !parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepsConnection)
        #expect(try parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keepsConnection)
    }

    @Test func repeatedHeadersAreJoinedAndNamesKeepTheirSpelling() throws {
        let parser = try parse("HTTP/1.1 200 OK\r\nVary: a\r\nvary: b\r\nx-lower: 1\r\nContent-Length: 0\r\n\r\n", pieces: 1000)
        #expect(parser.headers["Vary"] == "a, b" && parser.headers["x-lower"] == "1")
    }

    @Test(arguments: [
        "HTTP/1.1 20 OK\r\n\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 +20 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcdXY",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n",
    ])
    func malformedAnswersThrow(_ text: String) {
        #expect(throws: HTTPResponseParser.Failure.self) { _ = try parse(text, pieces: 5, maxBodyBytes: 1000) }
    }
}

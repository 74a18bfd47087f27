import Foundation

/// Reads one HTTP/1.1 answer from bytes as they arrive: status line, headers, and a body framed by
/// `Content-Length`, by chunks, or by the end of the connection.
///
/// A pure state machine without I/O, so every framing and every malformed answer can be tested
/// alone; `SocketTransport` feeds it what the socket reads. Bodies are kept as they came (a gzipped
/// body stays gzipped). Limits on the head and the body keep a broken or hostile server from
/// growing memory without bound; anything outside them or outside the grammar throws.
struct HTTPResponseParser {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private enum State {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case complete
    }

    static let defaultMaxHeadBytes = 64 << 10
    static let defaultMaxBodyBytes = 512 << 20

    let maxHeadBytes: Int
    let maxBodyBytes: Int
    /// An answer to HEAD has headers only, whatever its `Content-Length` says.
    let bodyless: Bool

    private var state = State.head
    private var pending: [UInt8] = []
    private var position = 0
    private(set) var status = 0
    private(set) var headers: [String: String] = [:]
    private(set) var body = Data()
    private var closeAfter = false
    /// Whether any byte of the answer has arrived; a request whose connection closed before that
    /// may be sent again on a fresh connection.
    private(set) var receivedAny = false

    init(bodyless: Bool = false, maxHeadBytes: Int = defaultMaxHeadBytes, maxBodyBytes: Int = defaultMaxBodyBytes) {
        self.bodyless = bodyless
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
    }

    var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// Whether the connection may carry another request once this answer is complete.
    var keepsConnection: Bool { isComplete && !closeAfter }

    /// Takes the next bytes read from the connection.
    mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) {
        guard !bytes.isEmpty else { return }
        receivedAny = true
        pending.append(contentsOf: bytes)
        while try step() {}
        if position == pending.count {
            pending.removeAll(keepingCapacity: true)
            position = 0
        } else if position > 64 << 10 {
            pending.removeFirst(position)
            position = 0
        }
    }

    /// The connection ended: completes an answer framed by the connection's end, else throws.
    mutating func finish() throws(Failure) {
        switch state {
        case .complete:
            return
        case .untilClose:
            state = .complete
        case .head:
            throw Failure(receivedAny ? "the connection closed inside the status line or headers" : "the connection closed without an answer")
        default:
            throw Failure("the connection closed before the body ended")
        }
    }

    /// Advances by one element of the grammar; false when more bytes are needed or the answer is complete.
    private mutating func step() throws(Failure) -> Bool {
        switch state {
        case .head:
            guard let end = find([13, 10, 13, 10], from: position) else {
                if pending.count - position > maxHeadBytes { throw Failure("the status line and headers exceed \(maxHeadBytes) bytes") }
                return false
            }
            guard end + 4 - position <= maxHeadBytes else { throw Failure("the status line and headers exceed \(maxHeadBytes) bytes") }
            try readHead(pending[position..<end])
            position = end + 4
            return true
        case .fixed(let remaining):
            let taken = take(remaining)
            state = remaining == taken ? .complete : .fixed(remaining: remaining - taken)
            return taken > 0 && !isComplete
        case .chunkSize:
            guard let line = try line(limit: 4096, what: "chunk size line") else { return false }
            let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
                throw Failure("a chunk size is not a hexadecimal number")
            }
            guard body.count + size <= maxBodyBytes else { throw Failure("the body exceeds \(maxBodyBytes) bytes") }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return true
        case .chunkData(let remaining):
            let taken = take(remaining)
            state = remaining == taken ? .chunkEnd : .chunkData(remaining: remaining - taken)
            return taken > 0
        case .chunkEnd:
            guard pending.count - position >= 2 else { return false }
            guard pending[position] == 13, pending[position + 1] == 10 else { throw Failure("a chunk does not end with CRLF") }
            position += 2
            state = .chunkSize
            return true
        case .trailers:
            guard let line = try line(limit: maxHeadBytes, what: "trailer") else { return false }
            if line.isEmpty { state = .complete }
            return !isComplete
        case .untilClose:
            guard body.count + pending.count - position <= maxBodyBytes else { throw Failure("the body exceeds \(maxBodyBytes) bytes") }
            _ = take(pending.count - position)
            return false
        case .complete:
            return false
        }
    }

    /// Parses the status line and headers (without the blank line) and chooses the body's framing.
    private mutating func readHead(_ head: ArraySlice<UInt8>) throws(Failure) {
        var lines = Self.split(head)
        let statusLine = lines.removeFirst()
        // "HTTP/1.1 200 OK": the version, one space, three digits, then an optional reason.
        guard statusLine.count >= 12, statusLine.starts(with: Array("HTTP/1.".utf8)),
              statusLine[statusLine.startIndex + 7] == UInt8(ascii: "0") || statusLine[statusLine.startIndex + 7] == UInt8(ascii: "1"),
              statusLine[statusLine.startIndex + 8] == UInt8(ascii: " "),
              statusLine.dropFirst(9).prefix(3).allSatisfy({ (48...57).contains($0) }),
              let code = Int(String(decoding: statusLine.dropFirst(9).prefix(3), as: UTF8.self)), (100...599).contains(code),
              statusLine.count == 12 || statusLine[statusLine.startIndex + 12] == UInt8(ascii: " ")
        else {
            throw Failure("the status line is not \"HTTP/1.1 <status> <reason>\"")
        }
        var fields: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  !line[line.startIndex..<colon].contains(where: { $0 <= 32 || $0 >= 127 })
            else { throw Failure("a header line is not \"Name: value\"") }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if let known = fields.keys.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) {
                fields[known]! += ", " + value
            } else {
                fields[name] = value
            }
        }
        if (100..<200).contains(code) {
            // An interim answer (100 Continue): the real one follows on the same connection.
            return
        }
        status = code
        headers = fields
        let http10 = statusLine[statusLine.startIndex + 7] == UInt8(ascii: "0")
        let connection = header("Connection")?.lowercased() ?? ""
        closeAfter = connection.contains("close") || (http10 && !connection.contains("keep-alive"))
        try chooseFraming()
    }

    /// RFC 9112 §6.3: no body for HEAD, 204 and 304; chunked when so encoded; else Content-Length;
    /// else the body runs to the connection's end.
    private mutating func chooseFraming() throws(Failure) {
        if bodyless || status == 204 || status == 304 {
            state = .complete
        } else if let coding = header("Transfer-Encoding") {
            guard coding.lowercased() == "chunked" else { throw Failure("the transfer coding \"\(coding.prefix(40))\" is not supported") }
            state = .chunkSize
        } else if let text = header("Content-Length") {
            let values = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard values.count == 1, let value = values.first, value.allSatisfy(\.isASCII), let length = Int(value), length >= 0 else {
                throw Failure("the Content-Length is not one number")
            }
            guard length <= maxBodyBytes else { throw Failure("the body of \(length) bytes exceeds \(maxBodyBytes) bytes") }
            body.reserveCapacity(length)
            state = length == 0 ? .complete : .fixed(remaining: length)
        } else {
            closeAfter = true
            state = .untilClose
        }
    }

    private func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Moves up to `count` pending bytes into the body; returns how many it moved.
    private mutating func take(_ count: Int) -> Int {
        let taken = min(count, pending.count - position)
        body.append(contentsOf: pending[position..<(position + taken)])
        position += taken
        return taken
    }

    /// The next CRLF-terminated line without its CRLF, or nil until it has arrived.
    private mutating func line(limit: Int, what: String) throws(Failure) -> ArraySlice<UInt8>? {
        guard let end = find([13, 10], from: position) else {
            if pending.count - position > limit { throw Failure("a \(what) exceeds \(limit) bytes") }
            return nil
        }
        let line = pending[position..<end]
        position = end + 2
        return line
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard pending.count - start >= needle.count else { return nil }
        var index = start
        while index <= pending.count - needle.count {
            guard let first = pending[index...].firstIndex(of: needle[0]), first <= pending.count - needle.count else { return nil }
            if pending[first..<(first + needle.count)].elementsEqual(needle) { return first }
            index = first + 1
        }
        return nil
    }

    private static func split(_ head: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = head.startIndex
        var index = head.startIndex
        while index < head.endIndex {
            if head[index] == 13, index + 1 < head.endIndex, head[index + 1] == 10 {
                lines.append(head[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        lines.append(head[start..<head.endIndex])
        return lines
    }
}

import Foundation
import RapportStore

/// The lines of a file, read a chunk at a time so a dump of any size costs one line of memory.
struct DumpLineReader {
    /// Longer than any line a real dump holds (a record version is bounded by the push limit); a
    /// file without line breaks is refused before it fills the memory.
    static let maxLineBytes = 256 << 20

    let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// The number of the line `next()` returned last (1 for the first).
    private(set) var number = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw StoreError(code: exists ? .invalidArgument : .fileNotFound,
                             message: exists ? "cannot read \(path): check its permissions" : "no dump at \(path): check the path")
        }
        self.path = path
        self.handle = handle
    }

    func close() { try? handle.close() }

    /// Back to the first line.
    mutating func rewind() throws {
        try io { try handle.seek(toOffset: 0) }
        buffer = []
        start = 0
        atEnd = false
        number = 0
    }

    /// The next line without its line break, or nil at the end of the file.
    mutating func next() throws -> [UInt8]? {
        var searched = start
        while true {
            if let newline = buffer[searched...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                number += 1
                return line
            }
            searched = buffer.count
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                number += 1
                return line
            }
            if buffer.count - start > Self.maxLineBytes {
                throw StoreError(code: .invalidData, message: "line \(number + 1) of \(path) is longer than \(Self.maxLineBytes >> 20) MiB: this is not a server dump")
            }
            if start > 0 {
                buffer.removeFirst(start)
                searched -= start
                start = 0
            }
            let chunk = try io { try handle.read(upToCount: 1 << 16) }
            if let chunk, !chunk.isEmpty { buffer += chunk } else { atEnd = true }
        }
    }

    private func io<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw StoreError(code: .invalidData, message: "cannot read \(path) (\(error.localizedDescription)); check the file")
        }
    }
}

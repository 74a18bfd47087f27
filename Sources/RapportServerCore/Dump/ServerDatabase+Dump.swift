import Foundation
import RapportStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ServerDatabase {
    /// Exports the database (see `exportDump(to:)`) into a new file at `path`, synced to disk.
    ///
    /// Refuses (`.conflict`) a path that exists: an export never overwrites anything. The file is
    /// readable by its owner only, because it holds the tokens' hashes; an export that fails
    /// removes what it wrote.
    @discardableResult
    public func exportDump(toFile path: String) throws -> ServerDumpSummary {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = errno
            if reason == EEXIST { throw StoreError(code: .conflict, message: "\(path) already exists; choose a new file name for the dump") }
            throw StoreError(code: .readOnly, message: "cannot create \(path) (\(String(cString: strerror(reason)))); check that the directory exists and is writable")
        }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            var pending: [UInt8] = []
            pending.reserveCapacity(1 << 20)
            func flush() throws {
                try file.write(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            }
            let summary = try exportDump { line in
                pending += line
                if pending.count >= 1 << 20 { try flush() }
            }
            try flush()
            try file.synchronize()
            try file.close()
            return summary
        } catch {
            try? file.close()
            try? FileManager.default.removeItem(atPath: path)
            if error is StoreError { throw error }
            throw StoreError(code: .readOnly, message: "cannot write \(path) (\(error.localizedDescription)); check the free space, then export again")
        }
    }

    /// Imports the dump file at `path` (see `importDump(from:)`).
    @discardableResult
    public func importDump(fromFile path: String) throws -> ServerDumpSummary {
        try importDump(from: ServerDumpReader(path: path))
    }
}

import Foundation
import RapportStore

extension ServerStore {
    /// Writes a consistent copy of the whole database to a new file at `path`.
    ///
    /// Safe while a server runs on this file: the copy is one read transaction's snapshot
    /// (`VACUUM INTO`), so pushes carry on and the copy holds each of them whole or not at all.
    /// The copy keeps the epoch; `restore(from:to:)` gives it a new one when it is put back.
    /// Throws `.conflict` when `path` exists: a backup never overwrites anything.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(code: .conflict, message: "\(path) already exists; choose a new file name for the backup")
        }
        try withDatabase { db in
            let statement = try db.prepare("VACUUM INTO ?")
            try statement.bind(path, at: 1)
            try statement.run()
        }
    }

    /// Puts the server database backed up at `source` in place of the one at `target`, under a new
    /// epoch, and returns that epoch.
    ///
    /// Every client's cursor then belongs to another epoch, so each one's next pull is refused with
    /// `cursor_epoch_mismatch`: it resyncs fully and pushes again what the restored copy lacks, and
    /// all replicas converge on the union. Safe whether a server is running on `target` or not: the
    /// content is replaced in one write transaction (SQLite's backup API), which a running server
    /// sees like any other commit. `source` is never modified; an older backup is migrated to this
    /// build's schema on the way. Refuses (`.conflict`) to replace an existing `target` unless
    /// `replacingExisting`, and (`.notARapportDatabase`) a source or target that is not a server database.
    @discardableResult
    public static func restore(from source: String, to target: String, replacingExisting: Bool = false) throws -> String {
        let targetExists = FileManager.default.fileExists(atPath: target)
        if targetExists && !replacingExisting {
            throw StoreError(code: .conflict, message: "\(target) exists; restoring replaces everything in it, so say so explicitly (--replace)")
        }
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError(code: .fileNotFound, message: "no backup at \(source): check the path")
        }
        // A working copy beside the target: the backup file stays as it was, and a copy that fails
        // half-way never reaches the target.
        let targetURL = URL(fileURLWithPath: target)
        let work = targetURL.deletingLastPathComponent()
            .appendingPathComponent(".\(targetURL.lastPathComponent).restoring-\(UUID().uuidString.lowercased())").path
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: work + suffix) }
        }
        do {
            let origin = try Database(path: source, create: false)
            let copy = try Database(path: work, create: true)
            try copy.replaceContent(with: origin)
        }
        let epoch = UUID().uuidString.lowercased()
        do {
            // Opening checks it is a server database and migrates an older one.
            let restored = try ServerStore(path: work, create: false)
            try restored.withDatabase { db in
                try db.inTransaction(.immediate) {
                    let statement = try db.cachedStatement("UPDATE _server SET epoch = ?")
                    try statement.bind(epoch, at: 1)
                    try statement.run()
                }
            }
            restored.close()
        }
        if targetExists {
            let destination = try ServerStore(path: target, create: false)
            defer { destination.close() }
            let origin = try Database(path: work, create: false)
            try destination.withDatabase { try $0.replaceContent(with: origin) }
        } else {
            // Closing the last connection folded the write-ahead log into the file, so it is whole.
            try FileManager.default.moveItem(atPath: work, toPath: target)
        }
        return epoch
    }
}

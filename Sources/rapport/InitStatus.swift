import ArgumentParser
import Foundation
import RapportStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a new replica (refuses to overwrite an existing file).")

    @OptionGroup var options: ReplicaOptions
    @Option(help: "A label for this replica, e.g. laptop or phone.") var name = "replica"

    func run() throws {
        let store = try cli { try Store.create(at: options.path, name: name) }
        let info = try cli { try store.info() }
        if options.json {
            printJSON(["path": options.path, "replicaID": info.replicaID.rawValue, "name": info.name])
        } else {
            print("Created replica '\(info.name)' (\(info.replicaID)) at \(options.path)")
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show this replica's id, pending changes, last sync and cursor.")

    @OptionGroup var options: ReplicaOptions

    func run() throws {
        let store = try options.openStore()
        let info = try cli { try store.info() }
        let rejected = try cli { try store.rejections() }
        if options.json {
            printJSON([
                "replicaID": info.replicaID.rawValue, "name": info.name, "path": options.path, "pendingChanges": info.pendingChanges,
                "openConflicts": info.openConflicts, "cursor": info.cursor, "rejected": rejected.count,
                "lastSyncAt": info.lastSyncAt.map(Format.time) ?? NSNull(), "workspace": info.workspace ?? NSNull(),
                "unreadable": info.unreadable,
                "rejections": rejected.map { ["entity": $0.entity, "id": $0.id, "reason": $0.reason, "message": $0.message, "rejectedAt": Format.time($0.rejectedAt)] },
            ] as [String: Any])
            return
        }
        printPairs([
            ["replica", "\(info.name) (\(info.replicaID))"],
            ["database", options.path],
            ["pending changes", String(info.pendingChanges)],
            ["open conflicts", String(info.openConflicts)],
            ["rejected by server", String(rejected.count)],
            ["last sync", info.lastSyncAt.map(Format.time) ?? "never"],
            ["workspace", info.workspace ?? "(not synced yet)"],
            ["cursor", info.cursor.isEmpty ? "(start)" : info.cursor],
        ])
        if info.unreadable > 0 {
            print("kept for a newer app: \(info.unreadable) pulled records this version cannot read; they are merged after an upgrade")
        }
        for rejection in rejected { print("rejected: \(rejection.entity) \(rejection.id): \(rejection.reason): \(rejection.message)") }
    }
}

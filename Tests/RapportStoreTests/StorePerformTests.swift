import Foundation
import RapportModel
@testable import RapportStore
import Testing

/// `Store.perform` runs store calls on the store's own thread, so async callers (a sync) never
/// block Swift's cooperative pool while SQLite works.
@Suite final class StorePerformTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("StorePerformTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    @Test func performRunsOnTheStoresThreadAndReturnsWhatTheBodyDid() async throws {
        let store = try Store.create(at: directory.appendingPathComponent("a.rapport").path, identity: .none)
        #expect(!store.queue.isCurrent)
        #expect(try await store.perform { $0.queue.isCurrent })
        let count = try await store.perform { store in
            try store.accounts.create(Account(id: "acme", name: "Acme"))
            return try store.accounts.list().count
        }
        #expect(count == 1)
        await #expect(throws: StoreError.self) {
            try await store.perform { try $0.accounts.create(Account(id: "acme", name: "Acme again")) }
        }
    }

    @Test func concurrentPerformsAreSerializedAndAllHappen() async throws {
        let store = try Store.create(at: directory.appendingPathComponent("b.rapport").path, identity: .none)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask { try await store.perform { try $0.accounts.create(Account(id: "a\(i)", name: "A \(i)")) } }
            }
            try await group.waitForAll()
        }
        #expect(try store.accounts.list().count == 50)
        #expect(try store.pendingChanges(limit: 100).count == 50)
    }
}

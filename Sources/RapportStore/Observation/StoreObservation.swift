import Foundation

/// The results of a query, fetched again after every commit that wrote a table it read:
/// local writes, pulled pages, conflict resolutions, and commits of other processes on the file.
///
/// Made by `Store.observe(_:)`. Each iterator yields the current result first, then a fresh result
/// after each such commit. Commits that happen while the consumer is busy coalesce: however many
/// arrive, the next `next()` fetches once. Nothing runs until someone iterates; an iterator that
/// is dropped, or whose task is cancelled, ends (`next()` returns nil) and stops being notified.
///
/// ```swift
/// for try await accounts in store.observe({ try $0.accounts.list() }) {
///     render(accounts)
/// }
/// ```
///
/// The query runs on the store's thread (`Store.perform`) inside one read transaction, so it sees
/// one consistent state; keep it to reads.
public struct StoreObservation<Value: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Value

    let store: Store
    let query: @Sendable (Store) throws -> Value
    let isDuplicate: (@Sendable (Value, Value) -> Bool)?

    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, query: query, isDuplicate: isDuplicate)
    }

    public struct Iterator: AsyncIteratorProtocol {
        private let subscription: Subscription
        private let query: @Sendable (Store) throws -> Value
        private let isDuplicate: (@Sendable (Value, Value) -> Bool)?
        private var signals: AsyncStream<Void>.Iterator?
        private var last: Value?

        init(store: Store, query: @escaping @Sendable (Store) throws -> Value, isDuplicate: (@Sendable (Value, Value) -> Bool)?) {
            self.subscription = Subscription(store: store)
            self.query = query
            self.isDuplicate = isDuplicate
        }

        /// The current result at first, then the next one after a commit that concerns it; nil
        /// once the task is cancelled.
        public mutating func next() async throws -> Value? {
            while true {
                if signals == nil {
                    signals = subscription.start().makeAsyncIterator()
                } else {
                    subscription.store.observers.beginWaiting(store: subscription.store)
                    let signal: Void? = await signals?.next()
                    subscription.store.observers.endWaiting()
                    guard signal != nil else { return nil }
                }
                if Task.isCancelled { return nil }
                let id = subscription.id, query = query
                let value = try await subscription.store.perform { try $0.observedFetch(subscription: id, query) }
                if let last, let isDuplicate, isDuplicate(last, value) { continue }
                last = value
                return value
            }
        }
    }

    /// Registration with the store's `ObservationCenter`, dropped with the iterator.
    final class Subscription: @unchecked Sendable {
        let store: Store
        private(set) var id: UInt64 = 0

        init(store: Store) { self.store = store }

        func start() -> AsyncStream<Void> {
            let (id, signals) = store.observers.subscribe()
            self.id = id
            return signals
        }

        deinit {
            if id != 0 { store.observers.unsubscribe(id) }
        }
    }
}

extension StoreObservation where Value: Equatable {
    /// The same observation, but a fresh result equal to the previous one is not yielded.
    ///
    /// A commit that wrote a table the query read may leave its result unchanged (another
    /// account's note); and a commit by another process says nothing of what it wrote, so each
    /// one makes every observation fetch again. This keeps the screen still in both cases.
    public func removeDuplicates() -> StoreObservation {
        StoreObservation(store: store, query: query, isDuplicate: { $0 == $1 })
    }
}

extension Store {
    /// Observes the result of `query`: see `StoreObservation`.
    ///
    /// The tables the query reads are found as it runs (SQLite's authorizer), so any query built
    /// from the store's methods works, and a query that reads other tables depending on the data
    /// is followed on the tables of its latest run.
    public func observe<Value: Sendable>(_ query: @escaping @Sendable (Store) throws -> Value) -> StoreObservation<Value> {
        StoreObservation(store: self, query: query, isDuplicate: nil)
    }

    /// How often, while an observation waits, commits of other processes on this file are looked
    /// for (`PRAGMA data_version`); default 250 ms. Commits through this `Store` are seen at once.
    public var externalChangeCheckInterval: Duration {
        get { observers.externalCheckInterval }
        set { observers.externalCheckInterval = newValue }
    }

    /// Runs an observed query in one read transaction and records the tables it read, under the
    /// store's lock so that no commit can fall between the fetch and the recording.
    func observedFetch<Value>(subscription: UInt64, _ query: (Store) throws -> Value) throws -> Value {
        try withCore { core in
            let (value, tables) = try core.db.trackingReads { try core.read { try query(self) } }
            observers.fetched(subscription, tables: tables, dataVersion: try core.dataVersion())
            return value
        }
    }

    /// `PRAGMA data_version`: changes when another connection commits to the file.
    func dataVersion() throws -> Int64 {
        try withCore { try $0.dataVersion() }
    }
}

extension ReplicaCore {
    func dataVersion() throws -> Int64 {
        let statement = try db.cachedStatement("PRAGMA data_version")
        defer { statement.reset() }
        _ = try statement.step()
        return statement.int64(0)
    }
}

import Foundation
import RapportClient
import RapportMerge
import RapportProtocol

/// A `Transport` decorator that misbehaves like a mobile network and a killed app: it loses
/// requests before they reach the server, loses answers after the server acted, delivers a
/// request twice, reorders the records inside a push or a pulled page, and cuts the connection
/// after a number of requests (a sync that stops half way).
///
/// Decisions come from a seeded generator, so a schedule replays exactly. Counters say what it did.
public final class FaultyTransport: Transport, @unchecked Sendable {
    public struct Faults: Sendable, Hashable {
        public var dropped = 0
        public var answersLost = 0
        public var duplicated = 0
        public var reordered = 0
        public var cut = 0
    }

    private let inner: any Transport
    private let lock = NSLock()
    private var rng: SplitMix64
    private let drop: Double
    private let duplicate: Double
    /// Requests still allowed before the connection is cut; nil = no limit.
    private var budget: Int?
    private var counts = Faults()

    public init(_ inner: any Transport, seed: UInt64, drop: Double, duplicate: Double, budget: Int?) {
        self.inner = inner
        self.rng = SplitMix64(seed: seed)
        self.drop = drop
        self.duplicate = duplicate
        self.budget = budget
    }

    public var faults: Faults { lock.lock(); defer { lock.unlock() }; return counts }

    private enum Plan { case cut, lose, loseAnswer, twice, reorder(UInt64), deliver }

    private func plan() -> Plan {
        lock.lock()
        defer { lock.unlock() }
        if let left = budget {
            if left <= 0 { counts.cut += 1; return .cut }
            budget = left - 1
        }
        if Double.random(in: 0..<1, using: &rng) < drop {
            if Bool.random(using: &rng) { counts.dropped += 1; return .lose }
            counts.answersLost += 1
            return .loseAnswer
        }
        if Double.random(in: 0..<1, using: &rng) < duplicate { counts.duplicated += 1; return .twice }
        if Double.random(in: 0..<1, using: &rng) < duplicate { counts.reordered += 1; return .reorder(rng.next()) }
        return .deliver
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        switch plan() {
        case .cut:
            throw SyncError(.unreachable, "the simulated connection was cut")
        case .lose:
            throw SyncError(.unreachable, "the simulated network lost the request")
        case .loseAnswer:
            _ = try await inner.send(request)
            throw SyncError(.unreachable, "the simulated network lost the answer")
        case .twice:
            _ = try await inner.send(request)
            return try await inner.send(request)
        case .reorder(let seed):
            return try await reordered(request, seed: seed)
        case .deliver:
            return try await inner.send(request)
        }
    }

    /// Delivers a push with its records in another order (answering in the client's order, as the
    /// protocol's indices require), or a pulled page with its changes in another order.
    private func reordered(_ request: TransportRequest, seed: UInt64) async throws -> TransportResponse {
        var rng = SplitMix64(seed: seed)
        if request.method == "POST", let body = request.body, var push = try? WireCoding.decode(PushRequest.self, from: body) {
            let order = Array(push.versions.indices).shuffled(using: &rng)
            push.versions = order.map { push.versions[$0] }
            var shuffled = request
            shuffled.body = try WireCoding.encoder().encode(push)
            var response = try await inner.send(shuffled)
            guard response.status == 200, var answer = try? WireCoding.decode(PushResponse.self, from: response.body) else { return response }
            answer.results = answer.results.map { result in
                var result = result
                result.index = order[result.index]
                return result
            }.sorted { $0.index < $1.index }
            response.body = try WireCoding.encoder().encode(answer)
            return response
        }
        var response = try await inner.send(request)
        if request.method == "GET", response.status == 200, var page = try? WireCoding.decode(ChangesResponse.self, from: response.body) {
            page.changes.shuffle(using: &rng)
            response.body = try WireCoding.encoder().encode(page)
        }
        return response
    }
}

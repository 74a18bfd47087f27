import Foundation
import RapportServerCore
import RapportStore

/// The code paths a fuzz run feeds, chosen with `RAPPORT_FUZZ_TARGET`.
///
/// Each harness runs exactly what the product does with untrusted bytes, then checks the promises
/// made about the result (a second identical push or import changes nothing; what was stored reads
/// back). A store that throws after the input passed decoding is a finding too: on the server that
/// would be a 500 for bad input, on a replica a sync or import that can never succeed.
enum Harness: String, CaseIterable {
    /// A push body as the server reads it: version header, lenient batch, per-record checks, merge;
    /// then the feed it serves, applied to a replica.
    case push
    /// A server answer as the client reads it: error, push and changes bodies, then a pulled page
    /// applied like `PullRun` does, then a whole `SyncSession` against a server answering these bytes.
    case pull
    /// A `rapport import` file: bundle decoding, then applying it to a replica, then exporting that
    /// replica and importing the export elsewhere.
    case bundle
    /// Arbitrary bytes through the byte-level codec and through Foundation, which must agree.
    case codec

    static let selected = ProcessInfo.processInfo.environment["RAPPORT_FUZZ_TARGET"].flatMap(Harness.init(rawValue:))

    /// Warms up what every input would otherwise pay for once (lazy globals, SQLite).
    func prepare() {
        _ = Fuzzing.replica()
        _ = Fuzzing.server()
    }

    func run(_ data: Data) {
        switch self {
        case .push: PushHarness.run(data)
        case .pull: PullHarness.run(data)
        case .bundle: BundleHarness.run(data)
        case .codec: CodecHarness.run(data)
        }
    }
}

/// Shared setup: fresh in-memory databases per input, so a crash never depends on earlier inputs
/// and reproduces from its file alone; and a fixed wall clock, so drift checks do not depend on
/// the day the fuzzer runs.
enum Fuzzing {
    /// 2027-01-15T08:00:00Z: after every seed's stamps, so seeds pass the drift check.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let wallClock = WallClock { now }

    static func replica() -> Store {
        mustNotThrow("creating an in-memory replica") { try Store.create(at: ":memory:", name: "fuzz", wallClock: wallClock) }
    }

    static func server() -> ServerStore {
        mustNotThrow("creating an in-memory server store") {
            let store = try ServerStore.open(at: ":memory:", create: true)
            _ = try store.addWorkspace("fuzz", now: now)
            return store
        }
    }

    /// Runs `body`, treating a throw as a finding: `what` must not fail for any input that got this far.
    static func mustNotThrow<T>(_ what: String, _ body: () throws -> T) -> T {
        do { return try body() } catch { fatalError("finding: \(what) threw: \(error)") }
    }

    /// Stops the run with a finding when a promise about the result does not hold.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("finding: \(message())") }
    }
}

import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RapportClient
import RapportMerge
import RapportModel
import RapportServer
import RapportStore

/// A settable wall clock, so the demo's offline edits happen at readable times.
final class DemoClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
    var wallClock: WallClock { WallClock { [self] in now } }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Two replicas (phone, laptop) sync through a local server; a real conflict is resolved and explained.")

    @Option(help: "Keep the demo's files in this folder instead of a temporary one.") var keep: String?

    func run() async throws {
        let fm = FileManager.default
        let directory = keep.map { URL(fileURLWithPath: $0) } ?? fm.temporaryDirectory.appendingPathComponent("rapport-demo-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if keep == nil { try? fm.removeItem(at: directory) } }

        let server = try cli { try ServerStore.open(at: directory.appendingPathComponent("server.db").path, create: true) }
        _ = try cli { try server.addWorkspace("demo") }
        let (tokenID, secret) = TokenSecrets.generate()
        _ = try cli { try server.addToken(id: tokenID, workspace: "demo", label: "demo", secretHash: TokenSecrets.hash(secret)) }

        var configuration = ServerConfiguration(databasePath: server.path, host: "127.0.0.1", port: 0)
        // Shutdown at the end of the demo is a cancellation, which the server logs as an error.
        configuration.logLevel = .critical
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(store: server, configuration: configuration, logger: Logger(label: "rapport.demo")) { port in
            portContinuation.yield(port)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CLIError("the demo server did not start") }
            defer { group.cancelAll() }
            try await story(directory: directory, url: URL(string: "http://127.0.0.1:\(port)")!, token: secret)
        }
    }

    private func story(directory: URL, url: URL, token: String) async throws {
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 600)
        let clock = DemoClock(start)
        let laptop = try cli { try Store.create(at: directory.appendingPathComponent("laptop.db").path, name: "laptop", wallClock: clock.wallClock) }
        let phone = try cli { try Store.create(at: directory.appendingPathComponent("phone.db").path, name: "phone", wallClock: clock.wallClock) }
        func sync(_ store: Store, _ name: String) async throws {
            let report = try await cliAsync {
                try await SyncSession(store: store, transport: makeTransport(server: url, token: token), workspace: "demo").sync()
            }
            print("   \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) sync: \(summary(report))")
        }

        print("Rapport demo: two replicas, \"laptop\" and \"phone\", syncing through a local server at \(url.absoluteString)\n")
        print("1. \(Format.hourMinute(clock.now)) on the laptop: a customer account and a first Trust × Respect assessment")
        let acme = Account(id: "acme", name: "Acme Logistics", segment: "enterprise", arr: 120_000, owner: "dana")
        var assessment = Assessment(id: "acme-q4", accountID: acme.id, assessedAt: start, trust: .high, respect: .high, note: "QBR went well")
        try cli { try laptop.batch { try $0.create(acme); try $0.create(assessment) } }
        print("   Acme Logistics: trust high, respect high → relationship \(assessment.relationship == .high ? "HIGH" : "LOW")")
        try await sync(laptop, "laptop")
        try await sync(phone, "phone")

        print("\n2. Both go offline and edit the same assessment")
        clock.set(start.addingTimeInterval(360))
        let laptopChanged = try cli {
            try laptop.assessments.update(id: assessment.id) {
                $0.trust = .low
                $0.note = "Sponsor may leave (email from procurement)"
                assessment = $0
            }
        }
        print("   \(Format.hourMinute(clock.now)) laptop: trust → low, note → \"\(assessment.note)\"  (changed: \(laptopChanged.joined(separator: ", ")))")
        clock.set(start.addingTimeInterval(480))
        guard var onPhone = try cli({ try phone.assessments.get(id: assessment.id) }) else { throw CLIError("the phone did not receive the assessment") }
        let phoneChanged = try cli {
            try phone.assessments.update(id: onPhone.id) {
                $0.note = "Exec call: sponsor stays, renewal on track"
                onPhone = $0
            }
        }
        print("   \(Format.hourMinute(clock.now)) phone:  note → \"\(onPhone.note)\"  (changed: \(phoneChanged.joined(separator: ", ")))")

        print("\n3. Back online: laptop, phone, laptop sync")
        clock.set(start.addingTimeInterval(540))
        try await sync(laptop, "laptop")
        try await sync(phone, "phone")
        try await sync(laptop, "laptop")

        let names: [ReplicaID: String] = [try cli { try laptop.info() }.replicaID: "laptop", try cli { try phone.info() }.replicaID: "phone"]
        print("\n4. The converged assessment, as each replica sees it")
        for (name, store) in [("laptop", laptop), ("phone", phone)] {
            guard let a = try cli({ try store.assessments.get(id: assessment.id) }) else { throw CLIError("\(name) lost the assessment") }
            print("   \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) trust \(a.trust.rawValue), respect \(a.respect.rawValue) → relationship \(a.relationship == .high ? "HIGH" : "LOW"); note \"\(a.note)\"")
        }
        print("   The laptop's trust edit touched a field the phone did not: both edits survive.")

        print("\n5. The conflict journal (the note was edited on both)")
        for (name, store) in [("laptop", laptop), ("phone", phone)] {
            let entries = try cli { try store.conflicts() }
            for entry in entries { print("   \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) #\(entry.seq) \(explain(entry, names: names))") }
            if entries.isEmpty { print("   \(name): (empty)") }
        }

        let left = try cli { try laptop.allVersions() }, right = try cli { try phone.allVersions() }
        guard left == right, !left.isEmpty else {
            throw CLIError("the replicas did NOT converge: \(left.count) vs \(right.count) records differ")
        }
        print("\nConverged: laptop and phone hold identical versions of all \(left.count) records (clocks, stamps and values).")
        print("Override a conflict with `rapport conflicts resolve ID --take mine|theirs|VALUE`; it syncs as a new edit.")
    }
}

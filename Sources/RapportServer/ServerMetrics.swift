import Hummingbird
import Prometheus
import RapportProtocol

/// What one server process counts, exposed at `GET /metrics` in Prometheus text format.
///
/// Each application owns its registry (passed through `buildRouter`), so two servers in one
/// process (parallel tests) never share a count. Labels hold only bounded, non-identifying
/// values — a route template, an HTTP method, a status, an outcome — never a workspace name, a
/// token or a record id: those would leak customer data to whoever scrapes and grow one series per
/// customer. Counts are per process: several `rapport serve` processes on one PostgreSQL database
/// are each scraped, and Prometheus sums them.
public final class ServerMetrics: Sendable {
    /// Where every instrument below lives; `GET /metrics` writes it out.
    public let registry: PrometheusCollectorRegistry

    private let pushDuration: DurationHistogram
    private let pullDurations: [PullWait: DurationHistogram]
    private let versions: [PushResult.Status: Counter]
    private let conflictsSettled: Counter
    private let longPollsWaiting: Gauge

    /// How a pull ended, the label of `rapport_pull_duration_seconds`: a long-poll's wait would
    /// otherwise drown the query time of every other pull in one histogram.
    enum PullWait: String, CaseIterable, Sendable {
        /// Answered without waiting: there were changes, or the client asked for no wait.
        case none
        /// Waited, and a push to the workspace ended the wait.
        case woken
        /// Waited the whole time the client asked for (bounded by the server's maximum).
        case timedOut = "timed_out"
    }

    /// Up to 10 s: a push is a merge and one commit; beyond that the database is in trouble.
    /// (Whole milliseconds: a Duration made from a Double prints as 0.004999… in the `le` label.)
    static let pushBuckets: [Duration] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000].map { .milliseconds($0) }
    /// The push buckets plus room for long-polls (30 s by default, `--max-wait` at most).
    static let pullBuckets: [Duration] = pushBuckets + [15, 30, 60, 120].map { .seconds($0) }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        pushDuration = registry.makeDurationHistogram(
            descriptor: Self.name("push_duration", unit: "seconds", help: "Time to answer a push answered 200, from the handler's start (token check, body read, merge and commit, answer encoded); refused pushes are only counted in rapport_http_requests_total."),
            buckets: Self.pushBuckets)
        pullDurations = Dictionary(uniqueKeysWithValues: PullWait.allCases.map { wait in
            (wait, registry.makeDurationHistogram(
                descriptor: Self.name("pull_duration", unit: "seconds", help: "Time to answer a changes request answered 200, long-poll wait included; long_poll says whether it waited: none, woken (by a push) or timed_out."),
                labels: [("long_poll", wait.rawValue)], buckets: Self.pullBuckets))
        })
        // Every outcome exists from the start at 0, so a rate() over it works before the first one happens.
        versions = Dictionary(uniqueKeysWithValues: PushResult.Status.allCases.map { status in
            (status, registry.makeCounter(
                descriptor: Self.name("versions_merged", unit: "total", help: "Pushed record versions by what the server did with them: accepted (new), merged (concurrent edits settled), stale (already known), rejected (not stored)."),
                labels: [("outcome", status.rawValue)]))
        })
        conflictsSettled = registry.makeCounter(
            descriptor: Self.name("conflicts_settled", unit: "total", help: "Concurrent field edits settled by the merge order in pushes (each is in the conflict journal)."))
        longPollsWaiting = registry.makeGauge(
            descriptor: Self.name("long_polls_waiting", unit: "", help: "Changes requests of this process waiting for a push right now (long-polls)."))
    }

    // MARK: recording

    /// One answered request. `route` is the router's template (`/v1/workspaces/{workspace}/push`),
    /// nil for a path no route matched.
    func countRequest(route: String?, method: HTTPRequest.Method, status: Int) {
        registry.makeCounter(
            descriptor: Self.name("http_requests", unit: "total", help: "HTTP requests answered, by route template (never the raw path; \"unmatched\" when no route matched), method and status."),
            labels: [("route", route ?? "unmatched"), ("method", Self.methodLabel(method)), ("status", String(status))]
        ).increment()
    }

    /// A push answered 200: its duration and the outcome of each element.
    func recordPush(_ response: PushResponse, duration: Duration) {
        pushDuration.record(duration)
        for result in response.results {
            versions[result.status]?.increment()
            if result.status == .merged, let conflicts = result.conflicts, conflicts > 0 {
                conflictsSettled.increment(by: Int64(conflicts))
            }
        }
    }

    /// A changes request answered 200.
    func recordPull(duration: Duration, wait: PullWait) {
        pullDurations[wait]?.record(duration)
    }

    /// Runs `body` (a long-poll's wait) counted in `rapport_long_polls_waiting`.
    func waiting<T>(_ body: () async throws -> T) async rethrows -> T {
        longPollsWaiting.increment()
        defer { longPollsWaiting.decrement() }
        return try await body()
    }

    /// `rapport_<metric>_<unit>` with its help text.
    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rapport", metricName: metric, unitName: unit, helpText: help)
    }

    /// Methods outside HTTP's registered few become "other": any token is a valid method, and
    /// a client must not be able to add a series per request.
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options, .trace, .connect: return method.rawValue
        default: return method.rawValue == "QUERY" ? "QUERY" : "other"
        }
    }
}

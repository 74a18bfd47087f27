import Metrics
import Prometheus

extension ServerMetrics {
    /// Sends swift-metrics calls anywhere in this process (libraries, Hummingbird's middleware) to
    /// `registry` too, so one scrape shows them beside ours.
    ///
    /// Once per process at most (swift-metrics refuses a second bootstrap): `rapport serve` calls
    /// it; tests and embedded servers leave the global system alone, which is why our own
    /// instruments live on `registry` directly rather than behind the global factory.
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }
}

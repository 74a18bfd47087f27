import Prometheus

/// `rapport_db_connections{state}`: a PostgreSQL pool's connections, set from `usage` when scraped.
struct ConnectionPoolGauges: Sendable {
    private let open, inUse, waiting, maximum: Gauge
    private let usage: @Sendable () -> (open: Int, inUse: Int, waiting: Int, maximum: Int)

    init(registry: PrometheusCollectorRegistry, usage: @escaping @Sendable () -> (open: Int, inUse: Int, waiting: Int, maximum: Int)) {
        func gauge(_ state: String) -> Gauge {
            registry.makeGauge(
                descriptor: ServerMetrics.name("db_connections", unit: "", help: "This process's PostgreSQL connections: open, in_use, waiting (callers queued for one) and max (the pool's bound, --max-connections)."),
                labels: [("state", state)])
        }
        (open, inUse, waiting, maximum) = (gauge("open"), gauge("in_use"), gauge("waiting"), gauge("max"))
        self.usage = usage
    }

    func update() {
        let now = usage()
        open.set(Double(now.open))
        inUse.set(Double(now.inUse))
        waiting.set(Double(now.waiting))
        maximum.set(Double(now.maximum))
    }
}

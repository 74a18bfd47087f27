import Hummingbird
import Prometheus
import RapportPostgres
import RapportServerCore

/// `GET /metrics`: this process's counts in Prometheus text exposition format (version 0.0.4).
///
/// It needs no token, like `/health`: a scraper has none, and nothing in it names a workspace, a
/// token or a record. It still tells anyone who reaches it how busy the server is, so operators
/// must not expose it publicly: `rapport serve` binds 127.0.0.1 by default, and a proxy in front
/// should not forward `/metrics`.
///
/// The database pool gauges, `rapport_db_connections{state="open|in_use|waiting|max"}`, are read
/// at scrape time, and only for PostgreSQL: a SQLite server has one connection, used one call at a
/// time, whose "pool" would always read 1 of 1 and tell an operator nothing.
struct MetricsController: Sendable {
    typealias Context = RapportRequestContext

    static let path: RouterPath = "/metrics"
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let metrics: ServerMetrics
    let pool: ConnectionPoolGauges?

    init(metrics: ServerMetrics, storage: any SyncStorage) {
        self.metrics = metrics
        pool = (storage as? PostgresStore).map { store in
            ConnectionPoolGauges(registry: metrics.registry) { store.connectionUsage }
        }
    }

    func addRoutes(to router: Router<Context>) {
        router.get(Self.path, use: scrape)
        router.refuseOtherMethods(at: Self.path, allowed: .get)
    }

    @Sendable func scrape(_ request: Request, context: Context) -> Response {
        pool?.update()
        return Response(status: .ok, headers: [.contentType: Self.contentType],
                        body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }
}

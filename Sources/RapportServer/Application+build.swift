import Hummingbird
import Logging
import RapportPostgres
import RapportServerCore
import RapportStore

/// Builds the sync server for `configuration`, opening (or creating) its database.
///
/// The result is not running: call `runService()` on it, or use `runServer(configuration:logger:)`.
public func buildApplication(configuration: ServerConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    return buildApplication(store: try openDatabase(configuration: configuration, logger: logger), configuration: configuration, logger: logger)
}

/// Opens the server database `configuration` names: PostgreSQL when it has a URL, else the SQLite
/// file (created if absent).
public func openDatabase(configuration: ServerConfiguration, logger: Logger) throws -> any ServerDatabase {
    if let url = configuration.postgresURL {
        return try PostgresStore.open(url: url, maximumConnections: configuration.maxDatabaseConnections, logger: logger)
    }
    return try ServerStore.open(at: configuration.databasePath, create: true)
}

/// Builds the sync server over an already open store (tests, and a CLI that opened it already).
///
/// `metrics` is what `GET /metrics` shows (a fresh registry unless the caller keeps one).
/// `onRunning` is told the bound port once the server listens (useful with port 0: any free port).
public func buildApplication(
    store: any SyncStorage, configuration: ServerConfiguration, logger: Logger,
    metrics: ServerMetrics = ServerMetrics(),
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    var logger = logger
    logger.logLevel = configuration.logLevel
    return Application(
        router: buildRouter(store: store, configuration: configuration, logger: logger, metrics: metrics),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rapport"),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The router of the sync server: middleware (request id and access log, request counts, JSON
/// errors, body limit), the protocol endpoints over `store`, and `GET /metrics`.
///
/// With a database other processes also write (PostgreSQL), their pushes wake this process's
/// long-polls too: the storage reports them (LISTEN/NOTIFY) and the notifier wakes the waiters.
/// Every router counts into its own `metrics` unless handed one, so servers built side by side
/// (parallel tests) never mix their counts.
public func buildRouter(store: any SyncStorage, configuration: ServerConfiguration,
                        logger: Logger = Logger(label: "rapport.server"),
                        metrics: ServerMetrics = ServerMetrics()) -> Router<RapportRequestContext> {
    let router = Router(context: RapportRequestContext.self)
    // Outermost first: the log line and the request count see the final status, including errors
    // turned into JSON.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: UploadLimitMiddleware(limit: configuration.maxBodyBytes))
    let notifier = ChangeNotifier()
    do {
        _ = try store.observeOtherWriters { workspace in
            Task { await notifier.notify(workspace) }
        }
    } catch {
        // The server still works; long-polls then learn of other processes' pushes only at their timeout.
        logger.warning("cannot listen for other server processes' pushes", metadata: ["error": "\(error)"])
    }
    let controller = SyncController(service: SyncService(storage: store), notifier: notifier,
                                    maxWaitSeconds: configuration.maxWaitSeconds, metrics: metrics)
    controller.addRoutes(to: router)
    MetricsController(metrics: metrics, storage: store).addRoutes(to: router)
    return router
}

/// Runs the sync server until SIGTERM or SIGINT, then stops accepting connections and lets
/// in-flight requests finish before returning (graceful shutdown of a `ServiceGroup`).
public func runServer(configuration: ServerConfiguration, logger: Logger) async throws {
    let application = try buildApplication(configuration: configuration, logger: logger)
    logger.info("rapport server starting", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"])
    try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
}

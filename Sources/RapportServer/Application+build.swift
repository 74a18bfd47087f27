import Hummingbird
import Logging
import RapportStore

/// Builds the sync server for `configuration`, opening (or creating) its database.
///
/// The result is not running: call `runService()` on it, or use `runServer(configuration:logger:)`.
public func buildApplication(configuration: ServerConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    let store = try ServerStore.open(at: configuration.databasePath, create: true)
    return buildApplication(store: store, configuration: configuration, logger: logger)
}

/// Builds the sync server over an already open store (tests, and a CLI that opened it already).
///
/// `onRunning` is told the bound port once the server listens (useful with port 0: any free port).
public func buildApplication(
    store: ServerStore, configuration: ServerConfiguration, logger: Logger,
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    var logger = logger
    logger.logLevel = configuration.logLevel
    return Application(
        router: buildRouter(store: store, configuration: configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rapport"),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The router of the sync server: middleware (request id and access log, JSON errors, body limit)
/// and the protocol endpoints over `store`.
public func buildRouter(store: ServerStore, configuration: ServerConfiguration) -> Router<RapportRequestContext> {
    let router = Router(context: RapportRequestContext.self)
    // Outermost first: the log line sees the final status, including errors turned into JSON.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: UploadLimitMiddleware(limit: configuration.maxBodyBytes))
    let controller = SyncController(service: SyncService(storage: store), notifier: ChangeNotifier(), maxWaitSeconds: configuration.maxWaitSeconds)
    controller.addRoutes(to: router)
    return router
}

/// Runs the sync server until SIGTERM or SIGINT, then stops accepting connections and lets
/// in-flight requests finish before returning (graceful shutdown of a `ServiceGroup`).
public func runServer(configuration: ServerConfiguration, logger: Logger) async throws {
    let application = try buildApplication(configuration: configuration, logger: logger)
    logger.info("rapport server starting", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"])
    try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
}

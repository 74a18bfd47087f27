import Logging

/// How `rapport serve` runs: where it listens, which database it serves, and its limits.
///
/// The defaults listen on loopback only; put a TLS-terminating proxy in front before exposing the
/// server, since bearer tokens travel in plain HTTP otherwise. `maxBodyBytes` bounds a push body
/// (larger ones get 413 with the limit, so clients split their batches); `maxWaitSeconds` bounds
/// how long a long-polling pull may be held, whatever `wait` the client asks for.
public struct ServerConfiguration: Sendable {
    /// 8 MiB: thousands of record versions per push, while one request cannot exhaust memory.
    public static let defaultMaxBodyBytes = 8 * 1024 * 1024

    public var host: String
    public var port: Int
    /// The server database (a `ServerStore` file), created on first start; unused with `postgresURL`.
    public var databasePath: String
    /// A PostgreSQL database to serve instead of the file (`PostgresLocation` says the URL's form).
    public var postgresURL: String?
    /// This process's PostgreSQL connections at most.
    public var maxDatabaseConnections = 8
    public var maxBodyBytes: Int
    public var maxWaitSeconds: Int
    public var logLevel: Logger.Level

    public init(databasePath: String, host: String = "127.0.0.1", port: Int = 8080,
                maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes, maxWaitSeconds: Int = 30,
                logLevel: Logger.Level = .info) {
        self.databasePath = databasePath
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxWaitSeconds = maxWaitSeconds
        self.logLevel = logLevel
    }
}

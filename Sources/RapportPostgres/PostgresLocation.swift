import Foundation
import PostgresNIO
import RapportStore

/// Where a PostgreSQL-backed server keeps its data, read from a URL:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME][&host=/socket/dir]`.
///
/// `schema` puts Rapport's tables in a schema of their own (created if absent; default `public`),
/// so one database can hold several servers' data (tests use one schema each). `host=` with a
/// directory connects through the Unix socket in it, as libpq does. `sslmode` is `disable` (the
/// default), `require` (TLS, certificate not checked, as libpq) or `verify-full` (TLS, checked).
public struct PostgresLocation: Sendable, Hashable {
    public var host: String?
    public var socketPath: String?
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var schema: String
    public var tls: TLSMode

    public enum TLSMode: String, Sendable, Hashable {
        case disable, require, verifyFull = "verify-full"
    }

    /// The URL as given, without the password: safe to print and log.
    public var redacted: String {
        var text = "postgres://\(username)@"
        if let host { text += "\(host):\(port)" }
        text += "/\(database)"
        var query: [String] = []
        if schema != "public" { query.append("schema=\(schema)") }
        if tls != .disable { query.append("sslmode=\(tls.rawValue)") }
        if let socketPath { query.append("host=\((socketPath as NSString).deletingLastPathComponent)") }
        return query.isEmpty ? text : text + "?" + query.joined(separator: "&")
    }

    public init(url text: String) throws {
        func refuse(_ why: String) -> StoreError {
            StoreError(code: .invalidArgument, message: "\(why); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME], e.g. postgres://rapport@127.0.0.1:5432/rapport")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw refuse("the PostgreSQL URL could not be read")
        }
        guard scheme == "postgres" || scheme == "postgresql" else { throw refuse("the PostgreSQL URL must start with postgres://") }
        var items: [String: String] = [:]
        for item in components.queryItems ?? [] { items[item.name] = item.value ?? "" }
        for name in items.keys where !["schema", "host", "sslmode"].contains(name) {
            throw refuse("unknown URL parameter '\(name.prefix(32))' (known: schema, host, sslmode)")
        }
        let mode = items["sslmode"] ?? "disable"
        guard let tls = TLSMode(rawValue: mode) else {
            throw StoreError(code: .invalidArgument, message: "sslmode=\(mode.prefix(16)) is not supported; use disable, require or verify-full")
        }
        self.tls = tls
        guard let user = components.user, !user.isEmpty else { throw refuse("the PostgreSQL URL names no user") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !database.isEmpty, !database.contains("/") else { throw refuse("the PostgreSQL URL names no database") }
        username = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw refuse("the port must be 1…65535") }
        schema = items["schema"] ?? "public"
        guard Self.isValidIdentifier(schema) else {
            throw StoreError(code: .invalidArgument, message: "schema=\(schema.prefix(64)) is not a valid schema name: 1 to 63 characters of a-z, 0-9 and '_', starting with a letter or '_'")
        }
        if let directory = items["host"], directory.hasPrefix("/") {
            socketPath = (directory as NSString).appendingPathComponent(".s.PGSQL.\(port)")
            host = nil
        } else if let name = components.host, !name.isEmpty {
            host = name
            socketPath = nil
        } else {
            throw refuse("the PostgreSQL URL names no host (or host=/socket/directory)")
        }
    }

    /// Lowercase identifiers only, so a schema name never needs quoting and never injects SQL.
    static func isValidIdentifier(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, first == 95 || (97...122).contains(first) else { return false }
        return bytes.allSatisfy { $0 == 95 || (97...122).contains($0) || (48...57).contains($0) }
    }

    func configuration(applicationName: String) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: username, password: password, database: database)
        } else {
            var tls = PostgresConnection.Configuration.TLS.disable
            if self.tls != .disable {
                var settings = TLSConfiguration.makeClientConfiguration()
                if self.tls == .require { settings.certificateVerification = .none }
                tls = .require(try NIOSSLContext(configuration: settings))
            }
            configuration = .init(host: host ?? "127.0.0.1", port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        // Every statement Rapport runs is meant for an index (a feed page, a record by key), and
        // the planner's statistics lag far behind a workspace filling up from nothing (autovacuum
        // analyzes it minutes later): with them it hashes or bitmap-scans the whole workspace per
        // batch. Off for Rapport's own sessions only, these two make the index the plan whatever
        // the statistics say (a table without a usable index is still scanned). JIT is off too:
        // it never pays for statements this short, and the penalty cost of a forced scan of a
        // one-row table would otherwise trigger 100 ms of compilation.
        configuration.options.additionalStartupParameters = [
            ("search_path", schema), ("application_name", applicationName),
            ("enable_seqscan", "off"), ("enable_bitmapscan", "off"), ("jit", "off"),
        ]
        return configuration
    }
}

import Foundation

/// The server's answer to a `TransportRequest`: HTTP status, headers and body, for any status.
///
/// Header names are compared case-insensitively by `header(_:)`, because HTTP treats them so and
/// transports differ in how they spell them.
public struct TransportResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.key.lowercased() == lowered }?.value
    }

    /// The server's wall time from its `Date` header (RFC 9110 IMF-fixdate), if present and valid.
    public var serverDate: Date? {
        guard let text = header("Date") else { return nil }
        return Self.httpDate.withLock { $0.date(from: text) }
    }

    private static let httpDate = LockedFormatter()
}

/// One `DateFormatter` for HTTP dates, used under a lock (formatters are not thread-safe).
final class LockedFormatter: @unchecked Sendable {
    private let lock = NSLock()
    private let formatter: DateFormatter

    init() {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    }

    func withLock<T>(_ body: (DateFormatter) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(formatter)
    }
}

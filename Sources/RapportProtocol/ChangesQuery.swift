import Foundation

/// The query of `GET /v1/workspaces/{workspace}/changes`:
/// `?protocolVersion=1&since=<cursor>&limit=<1…1000>&wait=<0…30>`.
///
/// `since` defaults to `start`, `limit` (changes per page) to 500, `wait` (seconds the server may
/// hold the request open while there is nothing new) to 0. Servers parse with
/// `init(queryItems:)`, which checks `protocolVersion` first; clients build with the memberwise
/// initializer and send `queryItems`. Unknown parameters are ignored.
public struct ChangesQuery: Sendable, Hashable {
    public static let defaultLimit = 500
    public static let limitRange = 1...1000
    public static let waitRange = 0...30

    public var protocolVersion: Int
    public var since: SyncCursor
    public var limit: Int
    public var wait: Int

    public init(protocolVersion: Int = ProtocolVersion.current, since: SyncCursor = .start,
                limit: Int = ChangesQuery.defaultLimit, wait: Int = 0) {
        self.protocolVersion = protocolVersion
        self.since = since
        self.limit = limit
        self.wait = wait
    }

    /// Parses and checks a request's query parameters.
    ///
    /// Throws `invalid_request` for a missing `protocolVersion` or a bad number, `upgrade_required`
    /// for an unsupported version (before anything else is read), `invalid_cursor` for a bad `since`.
    public init(queryItems: [String: String]) throws(ProtocolError) {
        guard let versionText = queryItems["protocolVersion"] else {
            throw ProtocolError(.invalidRequest, "protocolVersion is required, e.g. ?protocolVersion=\(ProtocolVersion.current)")
        }
        guard let version = Int(versionText) else {
            throw ProtocolError(.invalidRequest, "protocolVersion must be a whole number, e.g. \(ProtocolVersion.current)\(Self.got(versionText))")
        }
        try ProtocolVersion.require(version)
        self.protocolVersion = version
        self.since = try SyncCursor(queryItems["since"] ?? "")
        self.limit = try Self.number("limit", queryItems["limit"], in: Self.limitRange, default: Self.defaultLimit, unit: "changes per page")
        self.wait = try Self.number("wait", queryItems["wait"], in: Self.waitRange, default: 0, unit: "seconds")
    }

    /// The parameters to send, in a fixed order; `since` is left out when it is `start`.
    public var queryItems: [(String, String)] {
        var items = [("protocolVersion", String(protocolVersion))]
        if !since.isStart { items.append(("since", since.description)) }
        items.append(("limit", String(limit)))
        items.append(("wait", String(wait)))
        return items
    }

    private static func number(_ name: String, _ text: String?, in range: ClosedRange<Int>, default value: Int, unit: String) throws(ProtocolError) -> Int {
        guard let text else { return value }
        let expectation = "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound) (\(unit), default \(value))"
        guard let number = Int(text) else { throw ProtocolError(.invalidRequest, expectation + got(text)) }
        guard range.contains(number) else { throw ProtocolError(.invalidRequest, expectation + got(text)) }
        return number
    }

    /// The offending text, quoted and cut short, so the message says what was sent without echoing a lot.
    private static func got(_ text: String) -> String {
        let shown = text.count > 20 ? String(text.prefix(20)) + "…" : text
        return "; got \"\(shown)\""
    }
}

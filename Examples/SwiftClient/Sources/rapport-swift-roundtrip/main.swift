// A round trip through the client swift-openapi-generator made from Schemas/openapi.json, against a
// live `rapport serve`: push every entity example as typed values, pull them back in pages of 3,
// and get one typed error per status the server produces.
//
//   rapport-swift-roundtrip URL WORKSPACE TOKEN OTHER_WORKSPACE EXAMPLES_FOLDER
//
// Exits 1 if any expectation fails, after listing every one.
import Foundation
import HTTPTypes
import OpenAPIRuntime
import OpenAPIURLSession


#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Adds the bearer token (the generator leaves authentication to middleware).
struct BearerToken: ClientMiddleware {
    let token: String
    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

/// Writes `"value": null` where the generated types left a nil value out of a push body.
///
/// swift-openapi-generator 1.14.3 turns a property that is required and nullable (a stamped
/// `string or null` field) into an Optional that its encoder omits when nil
/// (apple/swift-openapi-generator#934), which the contract refuses (every stamped value carries
/// `value`). Until that is fixed, this puts the null back.
struct RequiredNulls: ClientMiddleware {
    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == "push", let body else { return try await next(request, body, baseURL) }
        let data = try await Data(collecting: body, upTo: 64 << 20)
        guard var json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let versions = json["versions"] as? [[String: Any]] else { return try await next(request, HTTPBody(data), baseURL) }
        json["versions"] = versions.map { version -> [String: Any] in
            var version = version
            if var fields = version["fields"] as? [String: [String: Any]] {
                for (name, stamped) in fields where stamped["value"] == nil { fields[name]!["value"] = NSNull() }
                version["fields"] = fields
            }
            return version
        }
        let fixed = try JSONSerialization.data(withJSONObject: json)
        var request = request
        request.headerFields[.contentLength] = String(fixed.count)
        return try await next(request, HTTPBody(fixed), baseURL)
    }
}

/// Sends what a typed call cannot: another method, another body, an extra header. The answer is
/// still decoded by the generated operation, which is what the typed-error checks look at.
struct Tamper: ClientMiddleware {
    var method: HTTPRequest.Method?
    var body: String?
    var header: (HTTPField.Name, String)?
    var query: (String, String)?
    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let method { request.method = method }
        if let (name, value) = header { request.headerFields[name] = value }
        if let (old, new) = query { request.path = request.path?.replacingOccurrences(of: old, with: new) }
        if method == .delete {
            request.headerFields[.contentLength] = nil
            request.headerFields[.contentType] = nil
            return try await next(request, nil, baseURL)
        }
        if let replaced = self.body {
            request.headerFields[.contentLength] = String(replaced.utf8.count)
            return try await next(request, HTTPBody(replaced), baseURL)
        }
        return try await next(request, body, baseURL)
    }
}

/// Writes a line at once (print's buffer would lose the last lines if a call threw).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

var failures: [String] = []
@MainActor func expect(_ condition: Bool, _ what: String) {
    say("\(condition ? "ok  " : "FAIL") \(what)")
    if !condition { failures.append(what) }
}

let arguments = CommandLine.arguments
guard arguments.count == 6, let serverURL = URL(string: arguments[1]) else {
    print("usage: rapport-swift-roundtrip URL WORKSPACE TOKEN OTHER_WORKSPACE EXAMPLES_FOLDER")
    exit(2)
}
let (workspace, token, otherWorkspace, examplesFolder) = (arguments[2], arguments[3], arguments[4], URL(fileURLWithPath: arguments[5]))

func client(token: String? = token, _ extra: [any ClientMiddleware] = []) -> Client {
    Client(serverURL: serverURL, transport: URLSessionTransport(),
           middlewares: (token.map { [BearerToken(token: $0)] } ?? []) + [RequiredNulls()] + extra)
}
let api = client()

// MARK: health

switch try await client(token: nil).health() {
case .ok(let ok): expect(try ok.body.json.status == .ok, "GET /health is a typed HealthResponse")
default: expect(false, "GET /health answered 200")
}

// MARK: push every entity example, pull it back

let replica = String((0..<16).map { _ in "0123456789abcdef".randomElement()! })
let now = Int(Date().timeIntervalSince1970 * 1000)
let names = try FileManager.default.contentsOfDirectory(atPath: examplesFolder.path)
    .filter { $0.hasPrefix("entity-") && $0.hasSuffix(".json") }.sorted()
var pushed: [String: Components.Schemas.RecordVersion] = [:]
var versions: [Components.Schemas.RecordVersion] = []
for name in names {
    // The example with fresh stamps and id, as a new record of this run's replica.
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: examplesFolder.appendingPathComponent(name))) as! [String: Any]
    json["id"] = "\(json["id"]!)-swift-\(replica.prefix(6))"
    json["clock"] = [replica: 1]
    var fields = json["fields"] as! [String: [String: Any]]
    for key in fields.keys { fields[key]!["stamp"] = "\(now):0:\(replica)"; fields[key]!["dot"] = 1 }
    json["fields"] = fields
    json["deleted"] = ["value": false, "stamp": "\(now):0:\(replica)", "dot": 1]
    let version = try JSONDecoder().decode(Components.Schemas.RecordVersion.self, from: JSONSerialization.data(withJSONObject: json))
    versions.append(version)
    pushed["\(name): \(json["id"]!)"] = version
}
let request = Components.Schemas.PushRequest(protocolVersion: ._1, replica: replica, versions: versions)
switch try await api.push(path: .init(workspace: workspace), body: .json(request)) {
case .ok(let ok):
    let results = try ok.body.json.results
    for (name, result) in zip(names, results) {
        if case .accepted = result { expect(true, "\(name): accepted") } else { expect(false, "\(name): \(result)") }
    }
default: expect(false, "push answered 200")
}

var pulled: [Components.Schemas.RecordVersion] = []
var since: String? = nil
var pages = 0
while true {
    guard case .ok(let ok) = try await api.changes(path: .init(workspace: workspace), query: .init(protocolVersion: ._1, since: since, limit: 3)) else {
        expect(false, "page \(pages + 1) answered 200")
        break
    }
    let page = try ok.body.json
    pages += 1
    pulled += page.changes.map { $0.version }
    since = page.nextCursor
    if !page.hasMore { break }
}
expect(pages >= 3, "\(pulled.count) changes came in \(pages) pages")
for (name, version) in pushed.sorted(by: { $0.key < $1.key }) {
    expect(pulled.contains(version), "\(name) came back equal to what was pushed")
}

// MARK: one typed error per status

func code(_ body: Components.Schemas.ErrorResponse) -> String { body.error.code }
let empty = Components.Schemas.PushRequest(protocolVersion: ._1, replica: replica, versions: [])

if case .badRequest(let r) = try await api.changes(path: .init(workspace: workspace), query: .init(protocolVersion: ._1, limit: 0)) {
    expect(code(try r.body.json) == "invalid_request", "400 invalid_request is typed")
} else { expect(false, "limit=0 answered 400") }
if case .badRequest(let r) = try await api.changes(path: .init(workspace: workspace), query: .init(protocolVersion: ._1, since: "not-a-cursor!")) {
    expect(code(try r.body.json) == "invalid_cursor", "400 invalid_cursor is typed")
} else { expect(false, "a bad cursor answered 400") }
if case .badRequest(let r) = try await client(token: token, [Tamper(body: "{not json")]).push(path: .init(workspace: workspace), body: .json(empty)) {
    expect(code(try r.body.json) == "malformed_json", "400 malformed_json is typed")
} else { expect(false, "a body that is not JSON answered 400") }
if case .unauthorized(let r) = try await client(token: "rpt_not-a-token").push(path: .init(workspace: workspace), body: .json(empty)) {
    expect(code(try r.body.json) == "unauthorized", "401 unauthorized is typed")
} else { expect(false, "an unknown token answered 401") }
if case .forbidden(let r) = try await api.push(path: .init(workspace: otherWorkspace), body: .json(empty)) {
    expect(code(try r.body.json) == "forbidden", "403 forbidden is typed")
} else { expect(false, "another workspace answered 403") }
if case .notFound(let r) = try await api.changes(path: .init(workspace: "no-such-workspace"), query: .init(protocolVersion: ._1)) {
    expect(code(try r.body.json) == "not_found", "404 not_found is typed")
} else { expect(false, "an unknown workspace answered 404") }
if case .methodNotAllowed(let r) = try await client(token: token, [Tamper(method: .delete)]).push(path: .init(workspace: workspace), body: .json(empty)) {
    expect(code(try r.body.json) == "method_not_allowed" && r.headers.allow != nil, "405 method_not_allowed with Allow is typed")
} else { expect(false, "DELETE on push answered 405") }
if case .conflict(let r) = try await api.changes(path: .init(workspace: workspace), query: .init(protocolVersion: ._1, since: "another-epoch:1")) {
    let body = try r.body.json
    expect(code(body) == "cursor_epoch_mismatch" && body.error.epoch != nil, "409 cursor_epoch_mismatch with epoch is typed")
} else { expect(false, "a foreign cursor answered 409") }
let tooMany = Components.Schemas.PushRequest(protocolVersion: ._1, replica: replica, versions: Array(repeating: versions[0], count: 10_001))
if case .contentTooLarge(let r) = try await api.push(path: .init(workspace: workspace), body: .json(tooMany)) {
    let body = try r.body.json
    expect(code(body) == "payload_too_large" && body.error.limit != nil, "413 payload_too_large with limit is typed")
} else { expect(false, "10,001 versions answered 413") }
if case .unsupportedMediaType(let r) = try await client(token: token, [Tamper(header: (HTTPField.Name("Content-Encoding")!, "br"))]).push(path: .init(workspace: workspace), body: .json(empty)) {
    expect(code(try r.body.json) == "unsupported_encoding", "415 unsupported_encoding is typed")
} else { expect(false, "Content-Encoding: br answered 415") }
if case .unprocessableContent(let r) = try await client(token: token, [Tamper(body: #"{"protocolVersion":1,"versions":[]}"#)]).push(path: .init(workspace: workspace), body: .json(empty)) {
    expect(code(try r.body.json) == "unprocessable", "422 unprocessable is typed")
} else { expect(false, "a push without replica answered 422") }
if case .upgradeRequired(let r) = try await client(token: token, [Tamper(query: ("protocolVersion=1", "protocolVersion=2"))]).changes(path: .init(workspace: workspace), query: .init(protocolVersion: ._1)) {
    let body = try r.body.json
    expect(code(body) == "upgrade_required" && body.error.supportedVersions != nil, "426 upgrade_required with supportedVersions is typed")
} else { expect(false, "protocolVersion=2 answered 426") }

if failures.isEmpty {
    say("swift round trip ok: \(versions.count) entities pushed and pulled in \(pages) pages, 12 typed errors")
} else {
    say("\(failures.count) failure(s):")
    for failure in failures { say("  \(failure)") }
    exit(1)
}

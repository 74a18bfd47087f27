import Foundation

/// Sends one HTTP request of the sync protocol and returns the server's answer, whatever its status.
///
/// The seam between the sync logic and the network: `URLSessionTransport` and `SocketTransport`
/// are the real ones (`makeTransport(server:token:)` chooses), tests plug in an in-memory server. A transport answers every HTTP status (including 4xx and 5xx) with a
/// `TransportResponse`; it throws only when no answer arrived (a `SyncError` with code
/// `.unreachable` or `.cancelled`, or a `URLError`), and `SyncSession` decides what to retry.
public protocol Transport: Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

import Foundation
import RapportClient
import Testing

/// The real transport's failure messages, without a server.
@Suite struct URLSessionTransportTests {
    @Test func aServerThatIsNotRunningIsReportedUnreachableWithTheURLAndWhatToCheck() async throws {
        // Port 1 on loopback has no listener, so the connection is refused at once.
        let transport = URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:1")!, token: "secret-token", timeout: 5)
        let error = await #expect(throws: SyncError.self) {
            _ = try await transport.send(TransportRequest(method: "GET", path: "/health"))
        }
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains("http://127.0.0.1:1/health") == true)
        #expect(error?.message.contains("secret-token") == false)
    }

    @Test func aURLThatIsNotHTTPIsRefusedWithAnExample() async throws {
        let transport = URLSessionTransport(baseURL: URL(string: "ftp://example.com")!, token: nil)
        let error = await #expect(throws: SyncError.self) {
            _ = try await transport.send(TransportRequest(method: "GET", path: "/health"))
        }
        #expect(error?.message.contains("https://") == true)
    }
}

import Foundation
import Testing
@testable import RapportProtocol

@Suite("HTTP routes")
struct RouteTests {
    @Test("routes spell the v1 paths and escape the workspace")
    func routes() {
        #expect(Route.health == "/health")
        #expect(Route.push(workspace: "cs-emea") == "/v1/workspaces/cs-emea/push")
        #expect(Route.changes(workspace: "a/b c") == "/v1/workspaces/a%2Fb%20c/changes")
    }
}

import AOTestSupport
import Foundation
@testable import Forge
import Lifecycle
import Platform
import Testing

/// What an observer must keep reading: a PR linked by number whatever its head, mergeability
/// that GitHub recomputes behind an unchanged `updated_at`, every page of legacy statuses and
/// their combined state, and a token proved by its 304s.
@Suite("GitHub observation: links and freshness")
struct ObserverFreshnessTests {
    @Test("a 304 proves the token as well as a 200 does")
    func notModifiedAuthenticates() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        world.list([], times: 2)
        _ = world.observe([TrackedSession(id: "a", branch: "ao/a")])
        #expect(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"]).isEmpty)
        #expect(world.lastClient?.notModifiedCount == 1)
        #expect(world.lastClient?.authenticated == true)
        try world.server.verify()
    }

    @Test("a Link that leads back to an earlier page fails the list at once instead of reading it again and again")
    func paginationLoop() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let target = world.base + "/pulls?state=open&per_page=100"
        world.server.expect(target, GitHubTestServer.Response.json([Any]()).linkingNext(to: world.server.baseURL + target + "&page=2"))
        world.server.expect(target + "&page=2", GitHubTestServer.Response.json([Any]()).linkingNext(to: world.server.baseURL + target))
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"] else {
            throw TestFailure("expected a failed observation")
        }
        #expect(why.contains("leads back"), "\(why)")
        #expect(world.server.requests.count == 2)
        try world.server.verify()
    }
}

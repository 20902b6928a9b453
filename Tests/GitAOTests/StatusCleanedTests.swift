import AOTestSupport
import Foundation
import Testing

/// Cleaned sessions are gone from `status --all`; their history stays in `events` and `show`.
@Suite("status of cleaned sessions")
struct StatusCleanedTests {
    @Test("status --all no longer lists a cleaned session; events and show still have it", .timeLimit(.minutes(15)))
    func cleanedHidden() throws {
        let s = try Scenario("status-cleaned")
        defer { s.close() }
        let cleaned = try s.spawn("--prompt", "task")
        let ended = try s.spawn("--prompt", "task")
        #expect(try s.ao("kill", cleaned).succeeded)
        #expect(try s.ao("cleanup", "-y").succeeded)
        #expect(try s.ao("kill", ended).succeeded)

        let all = try s.ao("status", "--all", "--json").json()["sessions"] as? [[String: Any]] ?? []
        let ids = all.compactMap { $0["id"] as? String }
        #expect(!ids.contains(cleaned) && ids.contains(ended), "\(ids)")
        #expect(!(try s.ao("status", "--all")).stdout.contains(cleaned))
        #expect(!(try s.ao("status", "--all", "--porcelain")).stdout.contains(cleaned))
        #expect(try s.eventKinds(cleaned).contains("cleaned"))
        #expect(try s.ao("show", cleaned).stdout.contains("cleaned:"))
    }
}

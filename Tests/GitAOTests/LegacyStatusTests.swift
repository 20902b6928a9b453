import AOTestSupport
import Foundation
import Testing

/// Legacy commit statuses through the binary: every page is read, and GitHub's combined state
/// counts, so a failure CI only reports as a status reaches the agent.
@Suite("legacy commit statuses end to end")
struct LegacyStatusTests {
    /// A session with PR 12 whose check runs are empty and whose statuses are `pages`; one pass.
    func observe(_ label: String, pages: [[[String: Any]]], state: String, total: Int) throws -> (ForgeObservationTests.World, String) {
        let w = try ForgeObservationTests.World(label)
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let head = String(repeating: "5", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 12, branch: try w.branch(id), headSHA: head, mergeable: true, mergeableState: "clean")
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json([pr], etag: "\"list\""))
        w.server.expect(w.base + "/pulls/12", .json(pr, etag: "\"pr12\""))
        w.server.expect(w.base + "/commits/\(head)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"runs12\""))
        w.server.expectPages(w.base + "/commits/\(head)/status?per_page=100", pages.enumerated().map { index, statuses in
            .json(GitHubFixtures.combinedStatus(sha: head, state: state, totalCount: total, statuses: statuses), etag: "\"st12-\(index)\"")
        })
        w.server.expect(w.base + "/pulls/12/reviews?per_page=100", .json([Any](), etag: "\"rv12\""))
        w.server.expect(w.base + "/pulls/12/comments?per_page=100", .json([Any](), etag: "\"cm12\""))
        w.server.expect("/graphql", method: "POST", .json(GitHubFixtures.graphQLThreadsPage([])))
        try w.observe("--refresh")
        try w.server.verify()
        return (w, id)
    }

    static var successes: [[String: Any]] {
        (1...30).map { GitHubFixtures.commitStatus(id: $0, context: "ci/shard-\($0)", state: "success") }
    }

    @Test("31 statuses, the failing one on page 2: CI is failing and the failure is sent", .timeLimit(.minutes(15)))
    func failureOnSecondPage() throws {
        let (w, id) = try observe("forge-status-pages", pages: [
            Self.successes, [GitHubFixtures.commitStatus(id: 31, context: "ci/slow", state: "failure", description: "2 tests failed")],
        ], state: "failure", total: 31)
        defer { w.close() }
        #expect(try w.s.session(id)["pr_ci"] as? String == "failing")
        let received = FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n")
        #expect(received.contains("CI failed") && received.contains("ci/slow") && received.contains("2 tests failed"), "\(received)")
        #expect(!received.contains("ci/shard-"), "only the failure is sent")
    }

    @Test("a failing combined state with no failing status listed: CI is failing and it is sent", .timeLimit(.minutes(15)))
    func combinedStateOnly() throws {
        let (w, id) = try observe("forge-status-combined", pages: [Self.successes], state: "error", total: 31)
        defer { w.close() }
        #expect(try w.s.session(id)["pr_ci"] as? String == "failing")
        let received = FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n")
        #expect(received.contains("CI failed") && received.contains("combined commit status"), "\(received)")
    }
}

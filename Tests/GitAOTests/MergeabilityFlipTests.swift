import AOTestSupport
import Foundation
import Testing

/// The base moves and GitHub recomputes mergeability without moving the PR's `updated_at`: each
/// flip is seen on the next poll, through the binary, and each conflict episode is said once.
@Suite("mergeability flips behind an unchanged PR")
struct MergeabilityFlipTests {
    @Test("clean, dirty, clean, dirty with updated_at unchanged: status follows each poll and the rebase nudge is re-armed",
          .timeLimit(.minutes(15)))
    func flips() throws {
        let w = try ForgeObservationTests.World("forge-mergeable-flip")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let head = String(repeating: "c", count: 40)
        let clean = GitHubFixtures.pullRequest(number: 12, branch: try w.branch(id), headSHA: head, mergeable: true, mergeableState: "clean")
        var dirty = clean
        dirty["mergeable"] = false
        dirty["mergeable_state"] = "dirty"
        let list = w.base + "/pulls?state=open&per_page=100"

        w.server.expect(list, .json([clean], etag: "\"list\""))
        w.serve(pr: clean)
        w.server.expect("/graphql", method: "POST", .json(GitHubFixtures.graphQLThreadsPage([])))
        try w.observe("--refresh")
        #expect(try w.s.session(id)["pr_mergeability"] as? String == "mergeable")
        try w.server.verify()

        var conflictNudges = 0
        for (body, etag, expected) in [(dirty, "\"dirty\"", "conflicting"), (clean, "\"pr12\"", "mergeable"), (dirty, "\"dirty\"", "conflicting")] {
            // The list and the checks are unchanged (304s); only the PR itself answers anew.
            w.server.reset()
            w.server.expect(list, .json([clean], etag: "\"list\""))
            w.server.expect(w.base + "/pulls/12", .json(body, etag: etag))
            w.server.expect(w.base + "/commits/\(head)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"runs12\""))
            w.server.expect(w.base + "/commits/\(head)/status?per_page=100", .json(["state": "pending", "statuses": [Any]()], etag: "\"st12\""))
            try w.observe("--refresh")
            #expect(try w.s.session(id)["pr_mergeability"] as? String == expected)
            #expect(w.server.requests.filter { $0.target != w.base + "/pulls/12" }.allSatisfy { $0.header("if-none-match") != nil })
            try w.server.verify()
            if expected == "conflicting" { conflictNudges += 1 }
            let received = FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n")
            #expect(received.components(separatedBy: "Your branch conflicts with").count - 1 == conflictNudges, "\(received)")
        }
    }
}

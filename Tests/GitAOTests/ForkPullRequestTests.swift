import AOTestSupport
import Foundation
import Testing

/// A session on a fork's pull request, end to end: `spawn --pr` links it by number, and every
/// poll then reads its checks, reviews and threads although its head is not the session's branch.
@Suite("spawn --pr on a fork, observed")
struct ForkPullRequestTests {
    @Test("a fork's PR spawned with --pr gets CI, reviews and threads on the first poll (its fork deleted too)",
          .timeLimit(.minutes(15)), arguments: [false, true])
    func forkObserved(forkDeleted: Bool) throws {
        let (w, _) = try SpawnFromPRTests().world("pr-fork-observed-\(forkDeleted)")
        defer { w.close() }
        let head = String(repeating: "f", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 32, branch: "feature", headSHA: head, headRepository: "forker/Hello-World",
                                            headRepositoryDeleted: forkDeleted, mergeable: true, mergeableState: "clean")
        w.server.expect(w.base + "/pulls/32", .json(pr))
        let spawned = try w.s.ao(arguments: ["spawn", "--no-attach", "--pr", "32"], environment: w.github)
        #expect(spawned.succeeded, "\(spawned)")
        let id = spawned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try w.branch(id) == "ao/pr-32")
        try w.server.verify()

        w.server.reset()
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json([pr], etag: "\"list\""))
        w.serve(pr: pr, runs: [GitHubFixtures.checkRun(id: 70, name: "unit tests", headSHA: head, conclusion: "failure", actions: false)],
                reviews: [GitHubFixtures.review(id: 1, login: "alice", state: "CHANGES_REQUESTED")])
        w.server.expect("/graphql", method: "POST", .json(GitHubFixtures.graphQLThreadsPage([
            GitHubFixtures.graphQLThread(id: "T1", line: 4, comments: [(501, "alice", false, "please rename")]),
        ])))
        try w.observe("--refresh")
        let session = try w.s.session(id)
        #expect(session["pr_number"] as? Int == 32)
        #expect(session["pr_ci"] as? String == "failing")
        #expect(session["pr_review"] as? String == "changes_requested")
        #expect(session["pr_unresolved_threads"] as? Int == 1)
        #expect(session["pr_status"] as? String == "ci_failed")
        try w.server.verify()
    }
}

import AOTestSupport
import Foundation
import Testing

/// ao.review.post: verdicts posted to the session's pull request, against the loopback GitHub.
@Suite("review: posting to GitHub")
struct ReviewPostTests {
    typealias World = ForgeObservationTests.World

    @Test("a verdict is posted as a COMMENT review; the posted review never comes back as a Forge nudge; a failed post keeps the verdict",
          .timeLimit(.minutes(15)))
    func postAndRecognise() throws {
        let w = try World("review-post")
        defer { w.close() }
        let s = w.s
        try ReviewFixtures.install(s)
        try ReviewFixtures.useCommand(s)
        try s.ao("init")
        try s.env.git(["config", "ao.review.post", "true"], in: s.repo)
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let worktree = try s.worktreePath(of: id)

        // The session's open pull request is known from a pass.
        let headSHA = String(repeating: "a", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 12, branch: try w.branch(id), headSHA: headSHA)
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json([pr], etag: "\"l1\""))
        w.serve(pr: pr)
        w.server.expect("/graphql", method: "POST", .json(GitHubFixtures.graphQLThreadsPage([])))
        try w.observe("--refresh")
        try w.server.verify()
        // Later passes (from the commit's hooks) do not ask GitHub: only the post does.
        try s.env.git(["config", "ao.github.interval", "1h"], in: s.repo)
        w.server.reset()
        w.server.expect(w.base + "/pulls/12/reviews", method: "POST", .json(["id": 777, "state": "COMMENTED"]))

        try s.env.write("lint: src/app.c:12 unused variable\n", to: worktree.appendingPathComponent("REVIEW_FAIL"))
        try s.env.git(["add", "-A"], in: worktree)
        let commit = try s.env.run(["git", "commit", "-q", "-m", "work"], in: worktree, environment: w.github)
        #expect(commit.status == 0, "\(commit)")
        try s.env.eventually("the verdict posted", timeout: 40) {
            try ReviewFixtures.runs(s, session: id).first.map { try ReviewFixtures.run(s, $0["id"]!)["github_review_id"] as? Int == 777 } ?? false
        }
        try w.server.verify()
        let post = try #require(w.server.requests.first { $0.method == "POST" })
        #expect(post.header("authorization") == "Bearer \(ForgeObservationTests.token)")
        let sent = try #require(try JSONSerialization.jsonObject(with: post.body) as? [String: Any])
        #expect(sent["event"] as? String == "COMMENT")
        let body = try #require(sent["body"] as? String)
        #expect(body.hasPrefix("<!-- git-ao -->"))
        #expect(body.contains("changes requested") && body.contains("src/app.c:12 unused variable"))
        let run = try ReviewFixtures.runs(s, session: id)[0]
        #expect(run["verdict"] as? String == "changes_requested")
        #expect(try s.ao("review", "show", "\(run["id"]!)").stdout.contains("posted to pull request #12 as review 777"))

        // The reviewer's nudge reaches the worker once.
        try s.env.eventually("the review nudge", timeout: 20) {
            try s.observe()
            return FakeAgents.received(by: id, in: s.env).contains { $0.contains("src/app.c:12 unused variable") }
        }

        // GitHub now shows the posted review, and a thread made of its comment (no marker in
        // the comment itself): git-ao's own, never sent back as a Forge nudge.
        w.server.reset()
        var moved = pr
        moved["updated_at"] = "2026-02-01T00:00:00Z"
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json([moved], etag: "\"l2\""))
        w.server.expect("\(w.base)/pulls/12", .json(moved, etag: "\"pr2\""))
        w.server.expect("\(w.base)/commits/\(headSHA)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"r2\""))
        w.server.expect("\(w.base)/commits/\(headSHA)/status?per_page=100", .json(["state": "pending", "statuses": [Any]()], etag: "\"s2\""))
        var own = GitHubFixtures.review(id: 777, login: "me", state: "COMMENTED")
        own["body"] = body
        w.server.expect("\(w.base)/pulls/12/reviews?per_page=100", .json([own], etag: "\"v2\""))
        w.server.expect("\(w.base)/pulls/12/comments?per_page=100", .json([Any](), etag: "\"c2\""))
        w.server.expect("/graphql", method: "POST", .json(GitHubFixtures.graphQLThreadsPage([
            GitHubFixtures.graphQLThread(id: "OWN1", path: "src/app.c", line: 12, comments: [(9001, "me", false, "unused variable here")], reviewID: 777),
        ])))
        try w.observe("--refresh")
        try w.server.verify()
        for _ in 0..<3 { try s.observe() }
        let received = FakeAgents.received(by: id, in: s.env).joined(separator: "\n")
        #expect(!received.contains("unresolved review thread"), "\(received)")
        #expect(!received.contains("unused variable here"))
        #expect(received.components(separatedBy: "src/app.c:12 unused variable").count == 2, "once, from the reviewer: \(received)")

        // A post GitHub refuses is recorded on the run; the verdict stands.
        w.server.reset()
        w.server.expect(w.base + "/pulls/12/reviews", method: "POST", .json(["message": "Unprocessable Entity"], status: 422))
        try s.env.write("lint: src/app.c:13 another\n", to: worktree.appendingPathComponent("REVIEW_FAIL"))
        try s.env.git(["add", "-A"], in: worktree)
        #expect(try s.env.run(["git", "commit", "-q", "-m", "more"], in: worktree, environment: w.github).status == 0)
        try s.env.eventually("the failed post recorded", timeout: 40) {
            try ReviewFixtures.runs(s, session: id).contains { (try ReviewFixtures.run(s, $0["id"]!)["github_post_error"] as? String)?.contains("422") == true }
        }
        let failed = try #require(try ReviewFixtures.runs(s, session: id).first { try ReviewFixtures.run(s, $0["id"]!)["github_post_error"] != nil })
        #expect(failed["verdict"] as? String == "changes_requested")
        #expect(try s.ao("review", "show", "\(failed["id"]!)").stdout.contains("not posted to pull request #12: GitHub answered HTTP 422"))
        try w.server.verify()
        try w.expectNoTokenLeak([commit])
    }
}

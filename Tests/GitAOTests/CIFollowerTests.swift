import AOTestSupport
import Foundation
import Testing

/// The pre-push hook starts one detached follower per session, which polls the PR's checks and
/// brings a CI failure to the agent with no watch running.
@Suite("CI follower")
struct CIFollowerTests {
    @Test("a push starts the follower; the failure reaches the agent; it stops once CI has concluded", .timeLimit(.minutes(15)))
    func prePushFollower() throws {
        let w = try ForgeObservationTests.World("follower")
        defer { w.close() }
        try w.s.env.git(["config", "ao.github.interval", "1s"], in: w.s.repo)
        #expect(try w.s.ao("hooks", "install").succeeded)
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let worktree = try w.s.worktreePath(of: id)
        try w.s.env.write("work\n", to: worktree.appendingPathComponent("work.txt"))
        try w.s.env.git(["add", "work.txt"], in: worktree)
        try w.s.env.git(["commit", "-qm", "work"], in: worktree)
        let sha = try w.s.env.git(["rev-parse", "HEAD"], in: worktree).trimmingCharacters(in: .whitespacesAndNewlines)
        let branch = try w.branch(id)
        let pr = GitHubFixtures.pullRequest(number: 21, branch: branch, headSHA: sha)
        let base = w.base
        // CI runs for a while, then fails.
        let polls = Counter()
        w.server.expect(base + "/pulls?state=open&per_page=100", times: nil, .json([pr], etag: "\"list\""))
        w.server.expect("\(base)/pulls/21", times: nil, .json(pr, etag: "\"pr\""))
        w.server.expect("\(base)/commits/\(sha)/check-runs?per_page=100", times: nil) { _ in
            let n = polls.next()
            let run = n < 2 ? GitHubFixtures.checkRun(id: 5, name: "test", headSHA: sha, status: "in_progress", conclusion: nil)
                            : GitHubFixtures.checkRun(id: 5, name: "test", headSHA: sha, conclusion: "failure", actions: false, title: "3 failures")
            return .json(GitHubFixtures.checkRuns([run]), etag: "\"runs-\(min(n, 2))\"")
        }
        w.server.expect("\(base)/commits/\(sha)/status?per_page=100", times: nil, .json(["state": "pending", "statuses": [Any]()], etag: "\"st\""))
        w.server.expect("\(base)/pulls/21/reviews?per_page=100", times: nil, .json([Any](), etag: "\"rv\""))
        w.server.expect("\(base)/pulls/21/comments?per_page=100", times: nil, .json([Any](), etag: "\"cm\""))
        w.server.expect("/graphql", method: "POST", times: nil, .json(GitHubFixtures.graphQLThreadsPage([])))

        // The push itself: git runs the pre-push hook, which returns at once.
        let push = try w.s.env.run(["git", "push", "-q", "origin", "HEAD"], in: worktree, environment: w.github)
        #expect(push.status == 0, "\(push)")
        try w.s.env.eventually("the follower to run", timeout: 20) {
            (try? w.s.ao("status", "-v").stdout.contains("following CI (pid")) == true
        }
        // Token hygiene: the follower's argv (what ps shows) does not carry the token.
        let status = try w.s.ao("status", "-v").stdout
        if let range = status.range(of: "following CI (pid "),
           let pid = Int(status[range.upperBound...].prefix { $0.isNumber }),
           let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) {
            #expect(cmdline.range(of: Data(ForgeObservationTests.token.utf8)) == nil)
            #expect(String(decoding: cmdline, as: UTF8.self).contains("follow"))
        }
        do {
            try w.s.env.eventually("the CI failure to reach the agent", timeout: 60) {
                FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n").contains("3 failures")
            }
        } catch {
            let log = w.s.env.read(w.s.repo.appendingPathComponent(".git/ao/hooks.log")) ?? ""
            Issue.record("hooks.log:\n\(log)\nrequests: \(w.server.requests.map(\.description))\nreceived: \(FakeAgents.received(by: id, in: w.s.env))")
            throw error
        }
        try w.s.env.eventually("the follower to stop", timeout: 20) {
            (try? w.s.ao("status", "-v").stdout.contains("following CI")) == false
        }
        #expect(try w.s.session(id)["pr_ci"] as? String == "failing")
        // Once the PR was known, the follower asked for its checks alone (conditionally), not
        // for the whole list again on every poll as a full pass does.
        let lists = w.server.requests.filter { $0.target == base + "/pulls?state=open&per_page=100" }.count
        let checks = w.server.requests.filter { $0.target == "\(base)/commits/\(sha)/check-runs?per_page=100" }
        #expect(checks.count > lists, "\(lists) list reads, \(checks.count) check reads")
        #expect(checks.dropFirst().allSatisfy { $0.header("if-none-match") != nil })
        try w.server.verify()
        try w.expectNoTokenLeak([push])
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
}

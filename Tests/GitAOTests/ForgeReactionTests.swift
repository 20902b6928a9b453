import AOTestSupport
import Foundation
import Testing

/// Reactions end to end: what reaches the agent, once per fact.
@Suite("GitHub reactions")
struct ForgeReactionTests {
    typealias World = ForgeObservationTests.World

    /// One pass that serves `pr` with `runs` and `threads`, each endpoint once (fresh ETags).
    func pass(_ w: World, pr original: [String: Any], runs: [[String: Any]] = [], threads: [[String: Any]] = [], tag: String,
              logs: [Int: GitHubTestServer.Response] = [:]) throws {
        w.server.reset()
        // Something happened on the PR, as GitHub's updated_at says: every read is made.
        var pr = original
        pr["updated_at"] = "2026-01-01T00:00:00Z/\(tag)"
        let number = pr["number"] as! Int
        let sha = (pr["head"] as! [String: Any])["sha"] as! String
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json([pr], etag: "\"list-\(tag)\""))
        w.server.expect("\(w.base)/pulls/\(number)", .json(pr, etag: "\"pr-\(tag)\""))
        w.server.expect("\(w.base)/commits/\(sha)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns(runs), etag: "\"runs-\(tag)\""))
        w.server.expect("\(w.base)/commits/\(sha)/status?per_page=100", .json(["state": "pending", "statuses": [Any]()], etag: "\"st-\(tag)\""))
        w.server.expect("\(w.base)/pulls/\(number)/reviews?per_page=100", .json([Any](), etag: "\"rv-\(tag)\""))
        w.server.expect("\(w.base)/pulls/\(number)/comments?per_page=100", .json([Any](), etag: "\"cm-\(tag)\""))
        w.server.expect("/graphql", method: "POST", .json(GitHubFixtures.graphQLThreadsPage(threads)))
        for (job, response) in logs { w.server.expect("\(w.base)/actions/jobs/\(job)/logs", response) }
        try w.observe("--refresh")
        try w.server.verify()
    }

    func nudges(_ w: World, _ id: String) throws -> [[String: Any]] {
        let events = try w.s.ao("events", "--json", "--session", id, "-n", "1000").stdout
        return events.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { ($0["kind"] as? String) == "nudged" }
    }

    @Test("CI: a re-run failing the same way is not sent again; another conclusion is; a non-Actions check sends its report",
          .timeLimit(.minutes(15)))
    func ciDedupe() throws {
        let w = try World("react-ci")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let sha = String(repeating: "1", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 3, branch: try w.branch(id), headSHA: sha)
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 1, name: "ext-ci", headSHA: sha, conclusion: "failure", actions: false,
                                                             title: "2 tests failed", summary: "test_a and test_b")], tag: "a")
        #expect(try nudges(w, id).count == 1)
        // Re-run (new run id), same commit, same conclusion: nothing new.
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 2, name: "ext-ci", headSHA: sha, conclusion: "failure", actions: false)], tag: "b")
        #expect(try nudges(w, id).count == 1)
        // Timed out this time: a different fact.
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 3, name: "ext-ci", headSHA: sha, conclusion: "timed_out", actions: false)], tag: "c")
        #expect(try nudges(w, id).count == 2)
        let received = FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n")
        #expect(received.contains("2 tests failed") && received.contains("test_a and test_b"))
        #expect(received.contains("\"ext-ci\" timed_out"))
    }

    @Test("a log that cannot be fetched is said in place of the tail once ao.github.logWait is over", .timeLimit(.minutes(15)))
    func logUnavailable() throws {
        let w = try World("react-nolog")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let sha = String(repeating: "2", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 4, branch: try w.branch(id), headSHA: sha)
        // No wait for the log to come (the default waits ao.github.logWait, 3 minutes).
        try w.s.env.git(["config", "ao.github.logWait", "0s"], in: w.s.repo)
        w.server.reset()
        // Logs can 404 until the job has finished.
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 44, name: "build", headSHA: sha, conclusion: "failure")], tag: "a",
                 logs: [44: .json(["message": "Not Found"], status: 404)])
        #expect(FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n").contains("its log could not be fetched"))
    }

    @Test("review threads: sent once, again only with a newer comment; at most 3 nudges, then the human is told", .timeLimit(.minutes(15)))
    func reviewCap() throws {
        let w = try World("react-review")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let sha = String(repeating: "3", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 5, branch: try w.branch(id), headSHA: sha)
        func thread(_ comments: [(Int, String, Bool, String)]) -> [String: Any] {
            GitHubFixtures.graphQLThread(id: "PRRT_1", path: "src/main.swift", line: 9, comments: comments.map { (id: $0.0, author: $0.1, bot: $0.2, body: $0.3) })
        }
        try pass(w, pr: pr, threads: [thread([(1, "alice", false, "why?")])], tag: "a")
        try pass(w, pr: pr, threads: [thread([(1, "alice", false, "why?")])], tag: "b")
        #expect(try nudges(w, id).count == 1)
        // A comment git-ao posted itself (its marker first) does not count as new...
        try pass(w, pr: pr, threads: [thread([(1, "alice", false, "why?"), (2, "me", false, "<!-- git-ao -->\nfixed")])], tag: "c")
        #expect(try nudges(w, id).count == 1)
        // ...but a person quoting it, marker and all, is heard.
        try pass(w, pr: pr, threads: [thread([(1, "alice", false, "why?"), (3, "alice", false, "> <!-- git-ao -->\n> fixed\n\nstill?")])], tag: "d")
        try pass(w, pr: pr, threads: [thread([(1, "alice", false, "why?"), (4, "copilot", true, "nit")])], tag: "e")
        #expect(try nudges(w, id).count == 3)
        try pass(w, pr: pr, threads: [thread([(1, "alice", false, "why?"), (5, "alice", false, "again")])], tag: "f")
        #expect(try nudges(w, id).count == 3)
        let events = try w.s.ao("events", "--json", "--session", id, "-n", "1000").stdout
        #expect(events.contains("needs_input"))
        let received = FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n")
        #expect(received.contains("src/main.swift:9") && received.contains("PRRT_1") && received.contains("copilot [bot]: nit"))
        #expect(received.contains("still?"))
    }

    @Test("a conflict is sent once per episode and re-armed when it ends", .timeLimit(.minutes(15)))
    func conflictEpisodes() throws {
        let w = try World("react-conflict")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let branch = try w.branch(id)
        let sha = String(repeating: "4", count: 40)
        let dirty = GitHubFixtures.pullRequest(number: 6, branch: branch, headSHA: sha, mergeable: false, mergeableState: "dirty")
        let computing = GitHubFixtures.pullRequest(number: 6, branch: branch, headSHA: sha, mergeable: nil, mergeableState: "unknown")
        let clean = GitHubFixtures.pullRequest(number: 6, branch: branch, headSHA: sha, mergeable: true, mergeableState: "clean")
        try pass(w, pr: dirty, tag: "a")
        try pass(w, pr: computing, tag: "b")
        try pass(w, pr: dirty, tag: "c")
        #expect(try nudges(w, id).count == 1)
        try pass(w, pr: clean, tag: "d")
        try pass(w, pr: dirty, tag: "e")
        #expect(try nudges(w, id).count == 2)
        #expect(FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n").contains("Rebase onto origin/main"))
    }

    @Test("a nudge waits while the agent is blocked, and a stale one is superseded, not sent", .timeLimit(.minutes(15)))
    func deferredAndSuperseded() throws {
        let w = try World("react-deferred")
        defer { w.close() }
        let id = try w.s.spawn("--agent", "hooked", "--prompt", "start")
        try FakeAgents.waitForStart(id, in: w.s.env)
        try w.s.signal(id, "blocked")
        let sha = String(repeating: "5", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 7, branch: try w.branch(id), headSHA: sha)
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 70, name: "lint", headSHA: sha, conclusion: "failure", actions: false)], tag: "a")
        #expect(try nudges(w, id).isEmpty)
        // CI passes on a re-run before the agent is free: the waiting nudge is stale.
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 71, name: "lint", headSHA: sha, conclusion: "success", actions: false)], tag: "b")
        let events = try w.s.ao("events", "--json", "--session", id, "-n", "1000").stdout
        #expect(events.contains("nudge_superseded"))
        // A new failure while still blocked waits, then goes out once the agent is free.
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 72, name: "lint", headSHA: sha, conclusion: "failure", actions: false,
                                                             title: "lint failed again")], tag: "c")
        #expect(try nudges(w, id).isEmpty)
        try w.s.signal(id, "active")
        try w.s.env.eventually("the pending nudge", timeout: 30) {
            _ = try? w.s.ao(arguments: ["observe"], environment: w.github)
            return try !nudges(w, id).isEmpty
        }
        #expect(try nudges(w, id).count == 1)
        #expect(FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n").contains("lint failed again"))
    }

    @Test("a CI nudge waiting while the agent is blocked is dropped when the pull request is merged, never typed", .timeLimit(.minutes(15)))
    func mergedBeforeDelivery() throws {
        let w = try World("react-merged-queued")
        defer { w.close() }
        let id = try w.s.spawn("--agent", "hooked", "--prompt", "start")
        try FakeAgents.waitForStart(id, in: w.s.env)
        try w.s.signal(id, "blocked")
        let sha = String(repeating: "6", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 8, branch: try w.branch(id), headSHA: sha)
        try pass(w, pr: pr, runs: [GitHubFixtures.checkRun(id: 80, name: "lint", headSHA: sha, conclusion: "failure", actions: false)], tag: "a")
        #expect(try nudges(w, id).isEmpty)
        // Merged while the agent was still blocked.
        try w.passMerged(pr, tag: "merged")
        #expect(try w.s.session(id)["pr_state"] as? String == "merged")
        try w.s.signal(id, "active")
        _ = try? w.s.ao(arguments: ["observe"], environment: w.github)
        _ = try? w.s.ao(arguments: ["observe"], environment: w.github)
        #expect(try nudges(w, id).isEmpty)
        #expect(!FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n").contains("CI failed"))
        let events = try w.s.ao("events", "--json", "--session", id, "-n", "1000").stdout
        #expect(events.contains("nudge_superseded"))
    }
}

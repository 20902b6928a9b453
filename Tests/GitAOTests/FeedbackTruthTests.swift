import AOTestSupport
import Foundation
import Testing

/// The feedback loop's holes, end to end against the loopback GitHub: what reaches the agent is
/// each fact once, bounded, and never lost to a passing failure.
@Suite("feedback truth")
struct FeedbackTruthTests {
    typealias World = ForgeObservationTests.World

    /// One forced poll in which GitHub lists `prs` (all open, each with fresh ETags), each head's
    /// check runs as `runs[head]`, and the job logs as given.
    func poll(_ w: World, prs originals: [[String: Any]], runs: [String: [[String: Any]]] = [:], tag: String,
              logs: [Int: GitHubTestServer.Response] = [:], reviews: [Int: [[String: Any]]] = [:]) throws {
        w.server.reset()
        let prs = originals.map { original -> [String: Any] in
            var pr = original
            pr["updated_at"] = "2026-01-01T00:00:00Z/\(tag)"
            return pr
        }
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json(prs, etag: "\"list-\(tag)\""))
        for pr in prs {
            let number = pr["number"] as! Int
            w.server.expect("\(w.base)/pulls/\(number)", .json(pr, etag: "\"pr\(number)-\(tag)\""))
            w.server.expect("\(w.base)/pulls/\(number)/reviews?per_page=100", .json(reviews[number] ?? [], etag: "\"rv\(number)-\(tag)\""))
            w.server.expect("\(w.base)/pulls/\(number)/comments?per_page=100", .json([Any](), etag: "\"cm\(number)-\(tag)\""))
        }
        // Pull requests that share a head share its checks: asked once or more.
        for head in Set(prs.map { ($0["head"] as! [String: Any])["sha"] as! String }) {
            w.server.expect("\(w.base)/commits/\(head)/check-runs?per_page=100", times: nil,
                            .json(GitHubFixtures.checkRuns(runs[head] ?? []), etag: "\"runs-\(head.prefix(4))-\(tag)\""))
            w.server.expect("\(w.base)/commits/\(head)/status?per_page=100", times: nil,
                            .json(["state": "pending", "statuses": [Any]()], etag: "\"st-\(head.prefix(4))-\(tag)\""))
        }
        w.server.expect("/graphql", method: "POST", times: nil, .json(GitHubFixtures.graphQLThreadsPage([])))
        // A 5xx is tried again once within the pass.
        for (job, response) in logs { w.server.expect("\(w.base)/actions/jobs/\(job)/logs", times: nil, response) }
        try w.observe("--refresh")
        try w.server.verify()
    }

    func events(_ w: World, _ id: String, kind: String) throws -> [[String: Any]] {
        let lines = try w.s.ao("events", "--json", "--session", id, "-n", "1000").stdout.split(separator: "\n")
        return lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { ($0["kind"] as? String) == kind }
    }

    func received(_ w: World, _ id: String) -> String { FakeAgents.received(by: id, in: w.s.env).joined(separator: "\n") }

    func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("two open pull requests from one branch, one dirty and one clean: one conflict nudge, in either order, over many polls",
          .timeLimit(.minutes(15)), arguments: [false, true])
    func twoPullRequestsOneConflict(dirtyFirst: Bool) throws {
        let w = try World("truth-two-prs-\(dirtyFirst)")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let branch = try w.branch(id)
        let sha = String(repeating: "7", count: 40)
        let dirty = GitHubFixtures.pullRequest(number: dirtyFirst ? 20 : 21, branch: branch, headSHA: sha, mergeable: false, mergeableState: "dirty")
        let clean = GitHubFixtures.pullRequest(number: dirtyFirst ? 21 : 20, branch: branch, headSHA: sha, mergeable: true, mergeableState: "clean",
                                               base: "release")
        for tag in ["a", "b", "c", "d"] { try poll(w, prs: [dirty, clean], tag: tag) }
        #expect(try events(w, id, kind: "nudged").count == 1)
        #expect(try events(w, id, kind: "nudge_superseded").isEmpty)
        #expect(occurrences(of: "Your branch conflicts with", in: received(w, id)) == 1)
    }

    @Test("a failing check on a head two pull requests share is one fact: sent once, naming both", .timeLimit(.minutes(15)))
    func sharedHeadOneFailure() throws {
        let w = try World("truth-shared-head")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        try w.s.env.git(["config", "ao.github.logWait", "0s"], in: w.s.repo)
        let branch = try w.branch(id)
        let sha = String(repeating: "8", count: 40)
        let toMain = GitHubFixtures.pullRequest(number: 30, branch: branch, headSHA: sha)
        let toRelease = GitHubFixtures.pullRequest(number: 31, branch: branch, headSHA: sha, base: "release")
        let runs = [sha: [GitHubFixtures.checkRun(id: 300, name: "test", headSHA: sha, conclusion: "failure", actions: false,
                                                  title: "3 tests failed", summary: "test_x")]]
        try poll(w, prs: [toMain, toRelease], runs: runs, tag: "a")
        try poll(w, prs: [toRelease, toMain], runs: runs, tag: "b")
        #expect(try events(w, id, kind: "nudged").count == 1)
        let text = received(w, id)
        #expect(occurrences(of: "3 tests failed", in: text) == 1)
        #expect(text.contains("CI failed on pull requests #30, #31"))
    }

    @Test("a job log that fails twice is tried again at the next polls, and the nudge carries it once it loads", .timeLimit(.minutes(15)))
    func logRetried() throws {
        let w = try World("truth-log-retry")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let sha = String(repeating: "9", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 40, branch: try w.branch(id), headSHA: sha)
        let runs = [sha: [GitHubFixtures.checkRun(id: 801, name: "build", headSHA: sha, conclusion: "failure")]]
        try poll(w, prs: [pr], runs: runs, tag: "a", logs: [801: .text("bad gateway", status: 502)])
        try poll(w, prs: [pr], runs: runs, tag: "b", logs: [801: .text("bad gateway", status: 502)])
        #expect(try events(w, id, kind: "nudged").isEmpty)
        try poll(w, prs: [pr], runs: runs, tag: "c", logs: [801: .text("2026-01-01T00:00:00.0000000Z error: the real cause\n")])
        #expect(try events(w, id, kind: "nudged").count == 1)
        let text = received(w, id)
        #expect(text.contains("error: the real cause"))
        #expect(!text.contains("could not be fetched"))
    }

    @Test("past ao.github.logWait the nudge goes without the log and says so", .timeLimit(.minutes(15)))
    func logGivenUp() throws {
        let w = try World("truth-log-given-up")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        try w.s.env.git(["config", "ao.github.logWait", "1s"], in: w.s.repo)
        let sha = String(repeating: "a", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 41, branch: try w.branch(id), headSHA: sha)
        let runs = [sha: [GitHubFixtures.checkRun(id: 802, name: "build", headSHA: sha, conclusion: "failure")]]
        try poll(w, prs: [pr], runs: runs, tag: "a", logs: [802: .text("bad gateway", status: 502)])
        #expect(try events(w, id, kind: "nudged").isEmpty)
        // Polls until the wait is over: the nudge then goes without the log.
        var round = 0
        try w.s.env.eventually("the nudge without its log", timeout: 30) {
            round += 1
            try poll(w, prs: [pr], runs: runs, tag: "b\(round)", logs: [802: .text("bad gateway", status: 502)])
            return try !events(w, id, kind: "nudged").isEmpty
        }
        #expect(try events(w, id, kind: "nudged").count == 1)
        #expect(received(w, id).contains("its log could not be fetched after trying for 1 s"))
    }

    @Test("a 1.5 MB log line makes a nudge of a few KiB, in the agent and in the database", .timeLimit(.minutes(15)))
    func boundedNudge() throws {
        let w = try World("truth-bounded")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let sha = String(repeating: "b", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 42, branch: try w.branch(id), headSHA: sha)
        let runs = [sha: [GitHubFixtures.checkRun(id: 803, name: "build", headSHA: sha, conclusion: "failure")]]
        let huge = String(repeating: "z", count: 1_500_000) + " THE END\n"
        try poll(w, prs: [pr], runs: runs, tag: "a", logs: [803: .text(huge)])
        let nudged = try events(w, id, kind: "nudged")
        #expect(nudged.count == 1)
        let text = ((nudged.first?["data"] as? [String: Any])?["text"] as? String) ?? ""
        #expect(text.utf8.count < 6 * 1024)
        #expect(text.contains("THE END") && text.contains("1.4 MiB of earlier output left out; the whole log: "))
        // Nothing in the database holds the whole log: not the outbox, not the change log.
        let largest = try w.s.sql("SELECT max(n) FROM (SELECT max(length(body)) AS n FROM outbox UNION ALL SELECT max(length(data)) FROM events)")
        #expect((Int(largest.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max) < 20_000)
    }

    @Test("a review requesting changes with only a summary body reaches the agent once, with its author; approvals and comments do not",
          .timeLimit(.minutes(15)))
    func reviewBodyDelivered() throws {
        let w = try World("truth-review-body")
        defer { w.close() }
        let id = try w.s.spawn()
        try FakeAgents.waitForStart(id, in: w.s.env)
        let sha = String(repeating: "c", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 50, branch: try w.branch(id), headSHA: sha)
        let approval = GitHubFixtures.review(id: 501, login: "carol", state: "APPROVED", body: "Looks fine to me.")
        let comment = GitHubFixtures.review(id: 502, login: "dave", state: "COMMENTED", body: "Just a thought.")
        let changes = GitHubFixtures.review(id: 503, login: "erin", state: "CHANGES_REQUESTED", body: "Please handle the empty list in parse().")
        try poll(w, prs: [pr], tag: "a", reviews: [50: [approval, comment]])
        #expect(try events(w, id, kind: "nudged").isEmpty)
        try poll(w, prs: [pr], tag: "b", reviews: [50: [approval, comment, changes]])
        try poll(w, prs: [pr], tag: "c", reviews: [50: [approval, comment, changes]])
        #expect(try events(w, id, kind: "nudged").count == 1)
        let text = received(w, id)
        #expect(text.contains("Review by @erin, requesting changes:") && text.contains("Please handle the empty list in parse()."))
        #expect(!text.contains("Looks fine to me.") && !text.contains("Just a thought."))
        // A second review requesting changes is news of its own.
        let again = GitHubFixtures.review(id: 504, login: "copilot", state: "CHANGES_REQUESTED", body: "Null check missing.", bot: true)
        try poll(w, prs: [pr], tag: "d", reviews: [50: [approval, comment, changes, again]])
        #expect(try events(w, id, kind: "nudged").count == 2)
        #expect(received(w, id).contains("Review by @copilot [bot], requesting changes:"))
        #expect(occurrences(of: "Please handle the empty list", in: received(w, id)) == 1)
    }
}

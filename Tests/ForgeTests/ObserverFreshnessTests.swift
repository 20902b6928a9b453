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
    @Test("a fork's PR linked by number gets its checks, reviews and threads, whatever the session's branch is called",
          arguments: [false, true])
    func forkLinkedByNumber(forkDeleted: Bool) throws {
        let world = try ForgeWorld()
        defer { world.close() }
        // As `spawn --pr 191` left it: the number and head are known, nothing else yet.
        let head = sha("f")
        let pr = GitHubFixtures.pullRequest(number: 191, branch: "feature", headSHA: head, headRepository: "forker/Hello-World",
                                            headRepositoryDeleted: forkDeleted, mergeable: true, mergeableState: "clean")
        world.list([pr])
        world.serve(pr: pr, runs: [GitHubFixtures.checkRun(id: 5, name: "unit", headSHA: head, conclusion: "failure", actions: false)],
                    reviews: [GitHubFixtures.review(id: 1, login: "alice", state: "CHANGES_REQUESTED")])
        world.threads([GitHubFixtures.graphQLThreadsPage([
            GitHubFixtures.graphQLThread(id: "T1", line: 2, comments: [(11, "alice", false, "rename")]),
        ])])
        let linked = TrackedSession(id: "a", branch: "ao/pr-191", known: [PullRequestFacts(number: 191, state: .open, headSHA: head)])
        // A session on a same-named branch that is not linked: the fork's PR is not its.
        let namesake = TrackedSession(id: "b", branch: "feature")
        let result = world.observe([linked, namesake])
        let a = try #require(try facts(result["a"]).first)
        #expect(a.state == .open && a.ci == .failing && a.review == .changesRequested && a.mergeability == .mergeable)
        #expect(a.threads.map(\.id) == ["T1"] && a.threadsKnown)
        #expect(try facts(result["b"]).isEmpty)
        try world.server.verify()
    }

    @Test("mergeability is asked on every poll: clean, dirty, clean with updated_at unchanged, each seen within one poll")
    func mergeabilityFlips() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let head = sha("a")
        let clean = GitHubFixtures.pullRequest(number: 3, branch: "ao/a", headSHA: head, mergeable: true, mergeableState: "clean")
        var dirty = clean
        dirty["mergeable"] = false
        dirty["mergeable_state"] = "dirty"
        world.list([clean], times: 3)
        world.serve(pr: clean)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        var known = try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"])
        #expect(known.first?.mergeability == .mergeable)
        let b = world.base
        for (body, etag, expected) in [(dirty, "\"pr3-dirty\"", Mergeability.conflicting), (clean, "\"pr3-clean\"", .mergeable)] {
            world.server.expect("\(b)/pulls/3", .json(body, etag: etag))
            world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"runs3-1\""))
            world.server.expect("\(b)/commits/\(head)/status?per_page=100",
                                .json(["state": "pending", "statuses": [Any](), "sha": head], etag: "\"st3-1\""))
            known = try facts(world.observe([TrackedSession(id: "a", branch: "ao/a", known: known)])["a"])
            #expect(known.first?.mergeability == expected)
            #expect(known.first?.updatedAt == "2026-01-01T00:00:00Z")
            #expect(world.lastClient?.graphQLCount == 0)
        }
        // Reviews and comments were not asked again: updated_at did not move.
        #expect(world.server.requests.filter { $0.target.contains("/reviews") }.count == 1)
        try world.server.verify()
    }

    @Test("legacy statuses are read 100 a page through every page: a failure on page 2 fails CI")
    func statusesPaged() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let head = sha("9")
        let pr = GitHubFixtures.pullRequest(number: 4, branch: "ao/a", headSHA: head, mergeable: true, mergeableState: "clean")
        world.list([pr])
        let b = world.base
        world.server.expect("\(b)/pulls/4", .json(pr, etag: "\"pr4\""))
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"r4\""))
        let successes = (1...30).map { GitHubFixtures.commitStatus(id: $0, context: "ci/shard-\($0)", state: "success") }
        world.server.expectPages("\(b)/commits/\(head)/status?per_page=100", [
            .json(GitHubFixtures.combinedStatus(sha: head, state: "failure", totalCount: 31, statuses: successes), etag: "\"s4-1\""),
            .json(GitHubFixtures.combinedStatus(sha: head, state: "failure", totalCount: 31,
                                                statuses: [GitHubFixtures.commitStatus(id: 31, context: "ci/slow", state: "failure", description: "2 tests failed")]),
                  etag: "\"s4-2\""),
        ])
        world.server.expect("\(b)/pulls/4/reviews?per_page=100", .json([Any](), etag: "\"v4\""))
        world.server.expect("\(b)/pulls/4/comments?per_page=100", .json([Any](), etag: "\"c4\""))
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        let pr4 = try #require(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"]).first)
        #expect(pr4.ci == .failing)
        #expect(pr4.checks.count == 31)
        #expect(pr4.checks.filter { $0.outcome == .failed }.map(\.name) == ["ci/slow"])
        try world.server.verify()
    }

    @Test("a failing combined state with no failing status listed is a failed check of its own (the CI follower's read too)")
    func combinedStateFails() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let head = sha("8")
        let b = world.base
        // GitHub says failure over 31 statuses, but the one page it gave holds 30 successes.
        let successes = (1...30).map { GitHubFixtures.commitStatus(id: $0, context: "ci/shard-\($0)", state: "success") }
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"r8\""))
        world.server.expect("\(b)/commits/\(head)/status?per_page=100",
                            .json(GitHubFixtures.combinedStatus(sha: head, state: "failure", totalCount: 31, statuses: successes), etag: "\"s8\""))
        let known = PullRequestFacts(number: 8, state: .open, headSHA: head, mergeability: .mergeable, ci: .passing)
        let followed = try PullRequestObserver(client: world.client(), repository: world.slug).checks(of: known).get()
        #expect(followed.ci == .failing)
        let failed = followed.checks.filter { $0.outcome == .failed }
        #expect(failed.count == 1 && failed.first?.conclusion == "failure", "\(followed.checks)")
        try world.server.verify()
    }

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

    @Test("a linked PR GitHub now answers 404 for keeps its last facts, says so, and does not stop the session's other PR")
    func linkedPullRequestGone() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let head = sha("b")
        let other = GitHubFixtures.pullRequest(number: 2, branch: "ao/a", headSHA: head, mergeable: true, mergeableState: "clean")
        world.list([other])
        world.serve(pr: other)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        world.server.expect(world.base + "/pulls/191", .json(["message": "Not Found"], status: 404))
        let gone = PullRequestFacts(number: 191, state: .open, headSHA: sha("f"), mergeability: .mergeable, ci: .failing)
        let observed = try facts(world.observe([TrackedSession(id: "a", branch: "ao/a", known: [gone])])["a"])
        #expect(observed.map(\.number).sorted() == [2, 191])
        #expect(observed.first { $0.number == 191 } == gone)
        #expect(world.lastClient?.problems.contains { $0.contains("#191") && $0.contains("404") } == true)
        try world.server.verify()
    }

    @Test("a number too large for an Int is no number, never a crash")
    func hugeNumbers() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        var pr = GitHubFixtures.pullRequest(number: 1, branch: "ao/a", headSHA: sha("a"))
        pr["number"] = 1e300
        world.list([pr])
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a", known: [PullRequestFacts(number: 7, state: .merged, headSHA: "")])])["a"] else {
            throw TestFailure("expected a failed observation")
        }
        #expect(why.contains("number"), "\(why)")
        #expect(try JSONValue.parse(Array("[1e300, -1e300, 12.0, 1.5]".utf8)).array?.map(\.int) == [nil, nil, 12, nil])
        try world.server.verify()
    }

    @Test("a PR listed on two pages (the list shifted while it was read) is read once")
    func listedTwice() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 5, branch: "ao/a", headSHA: sha("5"), mergeable: true, mergeableState: "clean")
        let newer = GitHubFixtures.pullRequest(number: 6, branch: "other", headSHA: sha("6"))
        world.server.expectPages(world.base + "/pulls?state=open&per_page=100", [.json([newer, pr]), .json([pr])])
        world.serve(pr: pr)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        #expect(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"]).map(\.number) == [5])
        try world.server.verify()
    }

    @Test("an answer for /pulls/{n} about another PR is a failed fetch, never facts filed under the wrong number")
    func answerAboutAnotherPullRequest() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 5, branch: "ao/a", headSHA: sha("5"))
        world.list([pr])
        world.serve(pr: pr)
        world.server.reset()
        world.list([pr])
        let other = GitHubFixtures.pullRequest(number: 6, branch: "ao/a", headSHA: sha("5"), state: "closed", merged: true)
        world.server.expect(world.base + "/pulls/5", .json(other))
        world.server.expect(world.base + "/commits/\(sha("5"))/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([])))
        world.server.expect(world.base + "/commits/\(sha("5"))/status?per_page=100", .json(["state": "pending", "statuses": [Any]()]))
        world.server.expect(world.base + "/pulls/5/reviews?per_page=100", .json([Any]()))
        world.server.expect(world.base + "/pulls/5/comments?per_page=100", .json([Any]()))
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"] else {
            throw TestFailure("expected a failed observation")
        }
        #expect(why.contains("another pull request"), "\(why)")
        try world.server.verify()
    }
}

import AOTestSupport
import Foundation
@testable import Forge
import Lifecycle
import Platform
import Testing

/// A loopback GitHub and an observer pointed at it.
final class ForgeWorld: @unchecked Sendable {
    static let token = "ghp_TESTTOKEN_0123456789"
    let server: GitHubTestServer
    let slug = RepositorySlug(owner: "acme", name: "widgets")
    var cache: [String: CachedResponse] = [:]
    var now: Int64 = 1_800_000_000
    var lastClient: GitHubClient?

    init(latency: TimeInterval = 0) throws { server = try GitHubTestServer(latency: latency) }

    func client() -> GitHubClient {
        let now = self.now
        let client = GitHubClient(configuration: ForgeConfiguration(apiBase: server.baseURL), token: GitHubToken(value: Self.token, origin: .aoGitHubToken),
                                  transport: CurlTransport(totalTimeoutMilliseconds: 5000), version: "test", cache: cache, nowSeconds: { now })
        lastClient = client
        return client
    }

    /// Runs one pass and keeps the ETag cache for the next, as the database would.
    func observe(_ sessions: [TrackedSession], bots: Bool = true) -> [String: SessionObservation] {
        let client = client()
        let result = PullRequestObserver(client: client, repository: slug, includeBotThreads: bots).observe(sessions)
        cache = client.cache
        return result
    }

    var base: String { "/repos/acme/widgets" }

    func list(_ prs: [[String: Any]], etag: String = "\"list-1\"", times: Int? = 1) {
        server.expect(base + "/pulls?state=open&per_page=100", times: times, .json(prs, etag: etag))
    }

    /// The five reads of one open PR.
    func serve(pr: [String: Any], runs: [[String: Any]] = [], statuses: [[String: Any]] = [], reviews: [[String: Any]] = [],
               comments: [[String: Any]] = [], tag: String = "1", times: Int? = 1) {
        let number = pr["number"] as! Int
        let sha = (pr["head"] as! [String: Any])["sha"] as! String
        server.expect("\(base)/pulls/\(number)", times: times, .json(pr, etag: "\"pr\(number)-\(tag)\""))
        server.expect("\(base)/commits/\(sha)/check-runs?per_page=100", times: times, .json(GitHubFixtures.checkRuns(runs), etag: "\"runs\(number)-\(tag)\""))
        server.expect("\(base)/commits/\(sha)/status?per_page=100", times: times,
                      .json(["state": statuses.isEmpty ? "pending" : "success", "statuses": statuses, "sha": sha], etag: "\"st\(number)-\(tag)\""))
        server.expect("\(base)/pulls/\(number)/reviews?per_page=100", times: times, .json(reviews, etag: "\"rv\(number)-\(tag)\""))
        server.expect("\(base)/pulls/\(number)/comments?per_page=100", times: times, .json(comments, etag: "\"cm\(number)-\(tag)\""))
    }

    func threads(_ pages: [[String: Any]], times: Int? = 1) {
        let queue = PageQueue(pages)
        server.expect("/graphql", method: "POST", times: times.map { $0 * pages.count }) { _ in .json(queue.next()) }
    }

    func close() { server.stop() }
}

func sha(_ c: Character) -> String { String(repeating: c, count: 40) }

func facts(_ observation: SessionObservation?) throws -> [PullRequestFacts] {
    guard case .observed(let list)? = observation else { throw TestFailure("expected facts, got \(String(describing: observation))") }
    return list
}

@Suite("GitHub observation")
struct ObserverTests {
    @Test("discovery takes the session's own PR and not a fork's from a same-named branch")
    func discoveryForkGuard() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let ours = GitHubFixtures.pullRequest(number: 1, branch: "ao/a", headSHA: sha("a"))
        let fork = GitHubFixtures.pullRequest(number: 2, branch: "ao/a", headSHA: sha("f"), headRepository: "mallory/widgets")
        world.list([fork, ours])
        world.serve(pr: ours)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        let result = world.observe([TrackedSession(id: "a", branch: "ao/a"), TrackedSession(id: "b", branch: "ao/b")])
        let a = try facts(result["a"])
        #expect(a.map(\.number) == [1])
        #expect(a.first?.state == .open)
        #expect(a.first?.headSHA == sha("a"))
        #expect(try facts(result["b"]).isEmpty)
        #expect(world.server.requests.allSatisfy { $0.header("authorization") == "Bearer \(ForgeWorld.token)" })
        let first = try #require(world.server.requests.first)
        #expect(first.header("user-agent") == "git-ao/test")
        #expect(first.header("accept") == "application/vnd.github+json")
        #expect(first.header("x-github-api-version") == "2022-11-28")
        try world.server.verify()
    }

    @Test("an unchanged second pass is all 304s, reuses the stored bodies and makes no GraphQL call")
    func notModifiedReuse() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 3, branch: "ao/a", headSHA: sha("a"), mergeable: true, mergeableState: "clean")
        world.list([pr], times: 2)
        world.serve(pr: pr, runs: [GitHubFixtures.checkRun(id: 9, name: "build", headSHA: sha("a"), conclusion: "success")])
        // The PR, its checks and statuses are asked again (neither CI finishing nor the base
        // moving moves updated_at); its reviews and comments are not, since updated_at and the
        // head did not move.
        world.server.expect("/repos/acme/widgets/pulls/3", .json(pr, etag: "\"pr3-1\""))
        world.server.expect("/repos/acme/widgets/commits/\(sha("a"))/check-runs?per_page=100",
                            .json(GitHubFixtures.checkRuns([GitHubFixtures.checkRun(id: 9, name: "build", headSHA: sha("a"), conclusion: "success")]), etag: "\"runs3-1\""))
        world.server.expect("/repos/acme/widgets/commits/\(sha("a"))/status?per_page=100", .json(["state": "pending", "statuses": [Any](), "sha": sha("a")], etag: "\"st3-1\""))
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        let first = try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"])
        let second = try facts(world.observe([TrackedSession(id: "a", branch: "ao/a", known: first)])["a"])
        #expect(second == first)
        #expect(first.first?.ci == .passing)
        #expect(first.first?.mergeability == .mergeable)
        let client = try #require(world.lastClient)
        #expect(client.requestCount == 4 && client.notModifiedCount == 4 && client.graphQLCount == 0)
        #expect(client.authenticated) // GitHub checks the token before the ETag
        try world.server.verify()
    }

    @Test("CI failing, changes requested, bot and outdated threads")
    func factsAndThreads() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 4, branch: "ao/a", headSHA: sha("b"), mergeable: false, mergeableState: "dirty")
        world.list([pr])
        world.serve(pr: pr, runs: [
            GitHubFixtures.checkRun(id: 11, name: "test", headSHA: sha("b"), conclusion: "failure"),
            GitHubFixtures.checkRun(id: 12, name: "lint", headSHA: sha("b"), status: "in_progress", conclusion: nil),
        ], statuses: [["context": "ci/legacy", "state": "success", "target_url": "https://ci.example/1", "description": "ok"]],
                    reviews: [GitHubFixtures.review(id: 1, login: "alice", state: "APPROVED"),
                              GitHubFixtures.review(id: 2, login: "bob", state: "CHANGES_REQUESTED"),
                              GitHubFixtures.review(id: 3, login: "alice", state: "COMMENTED")])
        world.threads([
            GitHubFixtures.graphQLThreadsPage([
                GitHubFixtures.graphQLThread(id: "T1", line: 3, comments: [(101, "bob", false, "rename this")]),
                GitHubFixtures.graphQLThread(id: "T2", line: 7, resolved: true, comments: [(102, "bob", false, "done")]),
            ], nextCursor: "c1"),
            GitHubFixtures.graphQLThreadsPage([
                GitHubFixtures.graphQLThread(id: "T3", path: "src/a.swift", line: nil, originalLine: 12, outdated: true,
                                             comments: [(103, "copilot-pull-request-reviewer", true, "possible nil")]),
            ]),
        ])
        let pr4 = try #require(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"]).first)
        #expect(pr4.ci == .failing)
        #expect(pr4.checks.map(\.name) == ["test", "lint", "ci/legacy"])
        #expect(pr4.checks.map(\.outcome) == [.failed, .inProgress, .passed])
        #expect(pr4.checks.first?.actionsJobID == 11)
        #expect(pr4.review == .changesRequested)
        #expect(pr4.mergeability == .conflicting)
        #expect(pr4.threads.map(\.id) == ["T1", "T3"])
        #expect(pr4.threads[1].line == 12 && pr4.threads[1].outdated && pr4.threads[1].fromBot)
        #expect(pr4.status.humanThreads == 1 && pr4.status.botThreads == 1)
        #expect(pr4.status.displaySummary == "conflicting")
        let graphQL = world.server.requests.filter { $0.method == "POST" }
        #expect(graphQL.count == 2)
        #expect(String(decoding: graphQL[1].body, as: UTF8.self).contains("\"cursor\": \"c1\""))
        try world.server.verify()
    }

    @Test("ao.github.botReviews=ignore drops bot threads")
    func botsIgnored() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 4, branch: "ao/a", headSHA: sha("b"))
        world.list([pr])
        world.serve(pr: pr)
        world.threads([GitHubFixtures.graphQLThreadsPage([
            GitHubFixtures.graphQLThread(id: "T3", line: 1, comments: [(103, "copilot", true, "nit")]),
        ])])
        let pr4 = try #require(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")], bots: false)["a"]).first)
        #expect(pr4.threads.isEmpty)
        try world.server.verify()
    }

    @Test("a known PR that left the open list is re-read: merged, or closed")
    func mergedAndClosed() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        world.list([])
        var merged = GitHubFixtures.pullRequest(number: 5, branch: "ao/a", headSHA: sha("a"), state: "closed", merged: true)
        merged["merged_at"] = "2026-01-02T00:00:00Z"
        let closed = GitHubFixtures.pullRequest(number: 6, branch: "ao/b", headSHA: sha("b"), state: "closed")
        world.server.expect(world.base + "/pulls/5", .json(merged))
        world.server.expect(world.base + "/pulls/6", .json(closed))
        let result = world.observe([
            TrackedSession(id: "a", branch: "ao/a", known: [PullRequestFacts(number: 5, state: .open, headSHA: sha("a"))]),
            TrackedSession(id: "b", branch: "ao/b", known: [PullRequestFacts(number: 6, state: .open, headSHA: sha("b"))]),
        ])
        #expect(try facts(result["a"]).map(\.state) == [.merged])
        #expect(try facts(result["b"]).map(\.state) == [.closed])
        try world.server.verify()
    }

    @Test("the open list is read through every Link page")
    func pagination() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let one = GitHubFixtures.pullRequest(number: 1, branch: "other", headSHA: sha("1"))
        let two = GitHubFixtures.pullRequest(number: 2, branch: "ao/a", headSHA: sha("2"))
        world.server.expect(world.base + "/pulls?state=open&per_page=100",
                            GitHubTestServer.Response.json([one]).linkingNext(to: world.server.baseURL + world.base + "/pulls?state=open&per_page=100&page=2"))
        world.server.expect(world.base + "/pulls?state=open&per_page=100&page=2", .json([two]))
        world.serve(pr: two)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        #expect(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"]).map(\.number) == [2])
        try world.server.verify()
    }

    @Test("check runs, reviews and review comments are read through every Link page, and a thread's comments past 100")
    func listsPaginatedToTheEnd() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let head = sha("c")
        let pr = GitHubFixtures.pullRequest(number: 8, branch: "ao/a", headSHA: head, mergeable: true, mergeableState: "clean")
        world.list([pr])
        let b = world.base
        let url = world.server.baseURL
        world.server.expect("\(b)/pulls/8", .json(pr, etag: "\"pr8\""))
        world.server.expect("\(b)/commits/\(head)/status?per_page=100", .json(["state": "success", "statuses": [Any](), "sha": head], etag: "\"st8\""))
        // Page 1 of the check runs passes; page 2 holds the failure; page 3 one more run.
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100",
                            GitHubTestServer.Response.json(GitHubFixtures.checkRuns([GitHubFixtures.checkRun(id: 1, name: "build", headSHA: head, conclusion: "success")]),
                                                           etag: "\"r1\"").linkingNext(to: url + "\(b)/commits/\(head)/check-runs?per_page=100&page=2"))
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100&page=2",
                            GitHubTestServer.Response.json(GitHubFixtures.checkRuns([GitHubFixtures.checkRun(id: 2, name: "test", headSHA: head, conclusion: "failure")]),
                                                           etag: "\"r2\"").linkingNext(to: url + "\(b)/commits/\(head)/check-runs?per_page=100&page=3"))
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100&page=3",
                            .json(GitHubFixtures.checkRuns([GitHubFixtures.checkRun(id: 3, name: "lint", headSHA: head, conclusion: "success")]), etag: "\"r3\""))
        // The changes request is on the second page of reviews.
        world.server.expect("\(b)/pulls/8/reviews?per_page=100",
                            GitHubTestServer.Response.json([GitHubFixtures.review(id: 1, login: "alice", state: "APPROVED")], etag: "\"v1\"")
                                .linkingNext(to: url + "\(b)/pulls/8/reviews?per_page=100&page=2"))
        world.server.expect("\(b)/pulls/8/reviews?per_page=100&page=2",
                            .json([GitHubFixtures.review(id: 2, login: "bob", state: "CHANGES_REQUESTED")], etag: "\"v2\""))
        world.server.expect("\(b)/pulls/8/comments?per_page=100",
                            GitHubTestServer.Response.json([Any](), etag: "\"c1\"").linkingNext(to: url + "\(b)/pulls/8/comments?per_page=100&page=2"))
        world.server.expect("\(b)/pulls/8/comments?per_page=100&page=2", .json([Any](), etag: "\"c2\""))
        // One thread whose comments go on past the first page, twice.
        let many = (1...100).map { (id: $0, author: "bob", bot: false, body: "note \($0)") }
        world.threads([
            GitHubFixtures.graphQLThreadsPage([GitHubFixtures.graphQLThread(id: "T9", line: 1, comments: many, moreCommentsCursor: "k1")]),
            GitHubFixtures.graphQLCommentsPage([(id: 101, author: "carol", bot: false, body: "page two")], nextCursor: "k2"),
            GitHubFixtures.graphQLCommentsPage([(id: 102, author: "dave", bot: false, body: "the last word")]),
        ])
        let observed = try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"])
        let pr8 = try #require(observed.first)
        #expect(pr8.checks.map(\.name) == ["build", "test", "lint"])
        #expect(pr8.ci == .failing)
        #expect(pr8.review == .changesRequested)
        #expect(pr8.threads.count == 1)
        #expect(pr8.threads.first?.comments.count == 102)
        #expect(pr8.threads.first?.comments.last?.body == "the last word")
        let graphQL = world.server.requests.filter { $0.method == "POST" }
        #expect(graphQL.count == 3)
        let third = try JSONSerialization.jsonObject(with: graphQL[2].body) as? [String: Any]
        #expect((third?["variables"] as? [String: Any])?["cursor"] as? String == "k2")
        #expect((third?["variables"] as? [String: Any])?["id"] as? String == "T9")
        try world.server.verify()

        // A second pass: every page is asked conditionally, and all 304s reuse the whole list.
        world.server.reset()
        world.list([pr], times: 1)
        for (target, etag) in [("\(b)/commits/\(head)/check-runs?per_page=100", "r1"), ("\(b)/commits/\(head)/check-runs?per_page=100&page=2", "r2"),
                               ("\(b)/commits/\(head)/check-runs?per_page=100&page=3", "r3")] {
            world.server.expect(target) { request in
                request.header("if-none-match") == "\"\(etag)\"" ? GitHubTestServer.Response(status: 304) : .text("not conditional", status: 500)
            }
        }
        world.server.expect("\(b)/pulls/8", .json(pr, etag: "\"pr8\""))
        world.server.expect("\(b)/commits/\(head)/status?per_page=100", .json(["state": "success", "statuses": [Any](), "sha": head], etag: "\"st8\""))
        let again = try facts(world.observe([TrackedSession(id: "a", branch: "ao/a", known: observed)])["a"])
        #expect(again.first?.checks.map(\.name) == ["build", "test", "lint"])
        #expect(world.lastClient?.notModifiedCount == 6)
        try world.server.verify()
    }

    @Test("a Link to another host is never followed (the token would go with it); the list fails instead")
    func foreignNextPage() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let elsewhere = try GitHubTestServer()
        defer { elsewhere.stop() }
        let head = sha("d")
        let pr = GitHubFixtures.pullRequest(number: 9, branch: "ao/a", headSHA: head)
        world.list([pr])
        let b = world.base
        world.server.expect("\(b)/pulls/9", .json(pr, etag: "\"pr9\""))
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100",
                            GitHubTestServer.Response.json(GitHubFixtures.checkRuns([]), etag: "\"r\"").linkingNext(to: elsewhere.baseURL + "/steal?page=2"))
        world.server.expect("\(b)/commits/\(head)/status?per_page=100", .json(["state": "success", "statuses": [Any](), "sha": head], etag: "\"s\""))
        world.server.expect("\(b)/pulls/9/reviews?per_page=100", .json([Any](), etag: "\"v\""))
        world.server.expect("\(b)/pulls/9/comments?per_page=100", .json([Any](), etag: "\"c\""))
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"] else {
            throw TestFailure("expected a failed observation")
        }
        #expect(why.contains("another host"))
        #expect(elsewhere.requests.isEmpty)
        try world.server.verify()
    }

    @Test("a second page that fails fails the session's observation: half a list never reads as the whole")
    func failedSecondPage() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let head = sha("e")
        let pr = GitHubFixtures.pullRequest(number: 10, branch: "ao/a", headSHA: head)
        world.list([pr])
        let b = world.base
        world.server.expect("\(b)/pulls/10", .json(pr, etag: "\"pr10\""))
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"r\""))
        world.server.expect("\(b)/commits/\(head)/status?per_page=100", .json(["state": "success", "statuses": [Any](), "sha": head], etag: "\"s\""))
        world.server.expect("\(b)/pulls/10/reviews?per_page=100",
                            GitHubTestServer.Response.json([GitHubFixtures.review(id: 1, login: "alice", state: "APPROVED")], etag: "\"v\"")
                                .linkingNext(to: world.server.baseURL + "\(b)/pulls/10/reviews?per_page=100&page=2"))
        world.server.expect("\(b)/pulls/10/reviews?per_page=100&page=2", .json(["message": "Not Found"], status: 404))
        world.server.expect("\(b)/pulls/10/comments?per_page=100", .json([Any](), etag: "\"c\""))
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"] else {
            throw TestFailure("expected a failed observation, not an approval read from the first page")
        }
        #expect(why.contains("#10"))
        try world.server.verify()
    }

    @Test("X-Poll-Interval is reported to the caller, capped at an hour")
    func pollInterval() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        world.server.expect(world.base + "/pulls?state=open&per_page=100", .json([Any](), headers: [("X-Poll-Interval", "90")]))
        #expect(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"]).isEmpty)
        #expect(world.lastClient?.pollInterval == 90)
        #expect(world.lastClient?.authenticated == true)
        try world.server.verify()
    }

    @Test("401 fails the pass without touching facts, and marks the token")
    func unauthorized() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        world.server.expect(world.base + "/pulls?state=open&per_page=100", .json(["message": "Bad credentials"], status: 401))
        let known = [PullRequestFacts(number: 5, state: .open, headSHA: sha("a"))]
        let result = world.observe([TrackedSession(id: "a", branch: "ao/a", known: known)])
        guard case .failed(let why)? = result["a"] else { Issue.record("expected a failure"); return }
        #expect(why.contains("401"))
        #expect(world.lastClient?.unauthorized == true)
        #expect(world.lastClient?.authenticated == false)
        try world.server.verify()
    }

    @Test("rate limits stop the pass and give the reset time", arguments: [
        ("primary", 403, [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1800000500")], "API rate limit exceeded", Int64(1_800_000_500)),
        ("secondary", 403, [("Retry-After", "120")], "You have exceeded a secondary rate limit", Int64(1_800_000_120)),
        ("secondary without Retry-After", 403, [], "You have exceeded a secondary rate limit", Int64(1_800_000_060)),
        ("429", 429, [("Retry-After", "30")], "too many", Int64(1_800_000_030)),
        ("reset in 2286, bounded to an hour", 403, [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "9999999999")], "API rate limit exceeded", Int64(1_800_003_600)),
        ("Retry-After of a year, bounded to an hour", 429, [("Retry-After", "31536000")], "too many", Int64(1_800_003_600)),
    ])
    func rateLimits(label: String, status: Int, headers: [(String, String)], message: String, reset: Int64) throws {
        let world = try ForgeWorld()
        defer { world.close() }
        world.server.expect(world.base + "/pulls?state=open&per_page=100", .json(["message": message], status: status, headers: headers))
        let result = world.observe([TrackedSession(id: "a", branch: "ao/a")])
        guard case .failed? = result["a"] else { Issue.record("\(label): expected a failure"); return }
        #expect(world.lastClient?.rateLimitedUntil == reset, "\(label)")
        #expect(world.lastClient?.stopped == true)
        // Nothing else was asked (the server fails on anything unexpected).
        #expect(world.lastClient?.get(["/anything"]).first.map { if case .failure(.skipped) = $0 { true } else { false } } == true)
        try world.server.verify()
    }

    @Test("a 403 that is not a rate limit is a plain failed fetch")
    func forbidden() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        world.server.expect(world.base + "/pulls?state=open&per_page=100", .json(["message": "Resource not accessible"], status: 403))
        guard case .failed? = world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"] else { Issue.record("expected a failure"); return }
        #expect(world.lastClient?.rateLimitedUntil == nil)
        try world.server.verify()
    }

    @Test("a 5xx is retried once; twice is a failed fetch")
    func serverErrors() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let target = world.base + "/pulls?state=open&per_page=100"
        world.server.expect(target, .json(["message": "oops"], status: 502))
        world.server.expect(target, .json([]))
        #expect(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"]).isEmpty)
        try world.server.verify()

        world.server.reset()
        world.server.expect(target, times: 2, .json(["message": "oops"], status: 503))
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"] else { Issue.record("expected a failure"); return }
        #expect(why.contains("503"))
        try world.server.verify()
    }

    @Test("malformed JSON is a failed fetch naming the endpoint, never a crash")
    func malformedJSON() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 7, branch: "ao/a", headSHA: sha("a"))
        world.list([pr])
        world.serve(pr: pr)
        world.server.reset()
        world.list([pr])
        world.server.expect(world.base + "/pulls/7", .text("{\"number\": 7, \"head\": "))
        world.server.expect(world.base + "/commits/\(sha("a"))/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([])))
        world.server.expect(world.base + "/commits/\(sha("a"))/status?per_page=100", .json(["statuses": []]))
        world.server.expect(world.base + "/pulls/7/reviews?per_page=100", .json([]))
        world.server.expect(world.base + "/pulls/7/comments?per_page=100", .json([]))
        let known = [PullRequestFacts(number: 7, state: .open, headSHA: sha("a"))]
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a", known: known)])["a"] else {
            Issue.record("expected a failure"); return
        }
        #expect(why.contains("/repos/acme/widgets/pulls/7"))
        #expect(world.lastClient?.problems.contains { $0.contains("/repos/acme/widgets/pulls/7") } == true)
        try world.server.verify()
    }

    @Test("a head sha that is not an object id is a failed fetch, and never reaches a URL")
    func oddHeadSHA() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 9, branch: "ao/a", headSHA: "../../../user?x=")
        world.list([pr])
        guard case .failed(let why)? = world.observe([TrackedSession(id: "a", branch: "ao/a")])["a"] else {
            Issue.record("expected a failure"); return
        }
        #expect(why.contains("head sha"))
        try world.server.verify()
    }

    @Test("a failed thread query keeps the last threads and is retried next pass")
    func threadQueryFailure() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 8, branch: "ao/a", headSHA: sha("a"))
        world.list([pr], times: 2)
        world.serve(pr: pr, times: 2)
        world.server.expect("/graphql", method: "POST", times: 2, .json(["message": "boom"], status: 500))
        let old = ReviewThread(id: "T0", path: "a", line: 1, outdated: false, comments: [])
        var known = PullRequestFacts(number: 8, state: .open, headSHA: sha("a"), threads: [old], threadsKnown: true)
        known.updatedAt = "2020-01-01T00:00:00Z"
        let first = try #require(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a", known: [known])])["a"]).first)
        #expect(first.threads == [old] && !first.threadsKnown)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        let second = try #require(try facts(world.observe([TrackedSession(id: "a", branch: "ao/a", known: [first])])["a"]).first)
        #expect(second.threads.isEmpty && second.threadsKnown)
        try world.server.verify()
    }

    @Test("stored facts survive a round trip through their JSON form")
    func encoding() {
        var facts = PullRequestFacts(number: 9, state: .draft, headSHA: sha("c"), baseRef: "main", title: "T \"q\"", url: "u",
                                     updatedAt: "x", mergeability: .behind, ci: .pending, review: .reviewRequired, threadsKnown: true)
        facts.checks = [CheckFact(name: "b", outcome: .failed, conclusion: "failure", url: nil, actionsJobID: 5, title: "t", summary: nil)]
        facts.threads = [ReviewThread(id: "T", path: "p", line: nil, outdated: true,
                                      comments: [ReviewComment(id: 1, author: "a", isBot: true, body: "b\n\u{1b}[31m", url: nil, createdAt: "c")])]
        #expect(PullRequestFacts.decode(facts.encoded()) == facts)
    }
}

@Suite("GitHub mappings")
struct MappingTests {
    @Test("every check conclusion maps as the issue's table says", arguments: [
        ("completed", "success", CheckOutcome.passed), ("completed", "neutral", .passed),
        ("completed", "failure", .failed), ("completed", "timed_out", .failed), ("completed", "action_required", .failed),
        ("completed", "startup_failure", .failed), ("completed", "cancelled", .cancelled), ("completed", "skipped", .skipped),
        ("completed", "stale", .skipped), ("queued", nil, .queued), ("in_progress", nil, .inProgress),
    ] as [(String, String?, CheckOutcome)])
    func checkMapping(status: String, conclusion: String?, expected: CheckOutcome) {
        #expect(CheckOutcome.from(status: status, conclusion: conclusion) == expected)
    }

    @Test("checks roll up into one CI state")
    func rollUp() {
        #expect(CIState.rollUp([]) == .none)
        #expect(CIState.rollUp([.passed, .skipped]) == .passing)
        #expect(CIState.rollUp([.passed, .queued]) == .pending)
        #expect(CIState.rollUp([.inProgress, .failed]) == .failing)
        #expect(CIState.rollUp([.passed, .cancelled]) == .failing)
        #expect(CheckOutcome.fromLegacy(state: "error") == .failed)
        #expect(CheckOutcome.fromLegacy(state: "pending") == .inProgress)
    }

    @Test("mergeability", arguments: [
        (false as Bool?, "dirty", Mergeability.conflicting), (true, "clean", .mergeable), (true, "has_hooks", .mergeable),
        (false, "blocked", .blocked), (true, "unstable", .unstable), (false, "behind", .behind),
        (nil, "unknown", .unknown), (nil, "clean", .unknown),
    ] as [(Bool?, String, Mergeability)])
    func mergeability(mergeable: Bool?, state: String, expected: Mergeability) {
        #expect(Mergeability.from(mergeable: mergeable, state: state) == expected)
    }

    @Test("the latest review per reviewer decides")
    func reviewDecision() {
        func review(_ login: String, _ state: String) -> JSONValue {
            .object([("user", .object([("login", .string(login))])), ("state", .string(state))])
        }
        let none = JSONValue.object([])
        let requested = JSONValue.object([("requested_reviewers", .array([.object([])]))])
        #expect(PullRequestObserver.decision(reviews: [], requested: none) == .none)
        #expect(PullRequestObserver.decision(reviews: [], requested: requested) == .reviewRequired)
        #expect(PullRequestObserver.decision(reviews: [review("a", "APPROVED")], requested: requested) == .approved)
        #expect(PullRequestObserver.decision(reviews: [review("a", "CHANGES_REQUESTED"), review("a", "APPROVED")], requested: none) == .approved)
        #expect(PullRequestObserver.decision(reviews: [review("a", "APPROVED"), review("a", "commented")], requested: none) == .approved)
        #expect(PullRequestObserver.decision(reviews: [review("a", "APPROVED"), review("b", "CHANGES_REQUESTED")], requested: none) == .changesRequested)
        #expect(PullRequestObserver.decision(reviews: [review("b", "CHANGES_REQUESTED"), review("b", "DISMISSED")], requested: none) == .none)
    }

    @Test("Link headers give the next page")
    func links() {
        #expect(GitHubClient.nextLink("<https://x/a?page=2>; rel=\"next\", <https://x/a?page=9>; rel=\"last\"") == "https://x/a?page=2")
        #expect(GitHubClient.nextLink("<https://x/a?page=1>; rel=\"prev\"") == nil)
        #expect(GitHubClient.nextLink(nil) == nil)
    }
}

/// GraphQL pages handed out in order (the last one repeats).
final class PageQueue: @unchecked Sendable {
    private var pages: [[String: Any]]
    private let lock = NSLock()
    init(_ pages: [[String: Any]]) { self.pages = pages }
    func next() -> [String: Any] { lock.withLock { pages.count > 1 ? pages.removeFirst() : pages[0] } }
}

import AOTestSupport
import Foundation
@testable import Forge
import Lifecycle
import Platform
import Testing

/// A review that requests changes in its body alone is feedback: the observer keeps it (id,
/// author, bot or not, body, url, time) for the reaction that delivers it once per review.
@Suite("GitHub observation: change requests")
struct ChangeRequestTests {
    static let own = "<!-- git-ao -->\n**git-ao review: changes requested** by claude"

    /// Every kind of review GitHub lists, of which only 2 (a person's) and 6 (a bot's) are
    /// change requests to deliver.
    static var reviews: [[String: Any]] { [
        GitHubFixtures.review(id: 1, login: "alice", state: "APPROVED", body: "Looks good"),
        GitHubFixtures.review(id: 2, login: "bob", state: "CHANGES_REQUESTED", submittedAt: "2026-01-02T00:00:00Z",
                              body: "Please split parse() in two; it does too much."),
        GitHubFixtures.review(id: 3, login: "carol", state: "CHANGES_REQUESTED"), // the recorded body is null
        GitHubFixtures.review(id: 4, login: "dave", state: "COMMENTED", body: "Why not a set?"),
        GitHubFixtures.review(id: 5, login: "ao-bot", state: "CHANGES_REQUESTED", body: own),
        GitHubFixtures.review(id: 6, login: "copilot-pull-request-reviewer[bot]", state: "CHANGES_REQUESTED", body: "Possible nil here.", bot: true),
        GitHubFixtures.review(id: 7, login: "erin", state: "CHANGES_REQUESTED", body: "  \n\t"),
        GitHubFixtures.review(id: 8, login: "ao", state: "CHANGES_REQUESTED", body: "posted by git-ao, id stored"),
        GitHubFixtures.review(id: 9, login: "frank", state: "DISMISSED", body: "never mind"),
    ] }

    func observe(_ world: ForgeWorld, _ sessions: [TrackedSession], bots: Bool) -> [String: SessionObservation] {
        let client = world.client()
        let result = PullRequestObserver(client: client, repository: world.slug, includeBotThreads: bots, ownReviewIDs: [8]).observe(sessions)
        world.cache = client.cache
        return result
    }

    @Test("changes-requested reviews with a body are kept, bots included; approvals, comments, empty bodies and git-ao's own are not; an unchanged PR keeps them")
    func kept() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let head = sha("a")
        let pr = GitHubFixtures.pullRequest(number: 3, branch: "ao/a", headSHA: head, mergeable: true, mergeableState: "clean")
        world.list([pr], times: 2)
        world.serve(pr: pr, reviews: Self.reviews)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        let first = try #require(try facts(observe(world, [TrackedSession(id: "a", branch: "ao/a")], bots: true)["a"]).first)
        #expect(first.changeRequests.map(\.id) == [2, 6])
        let bob = try #require(first.changeRequests.first)
        #expect(bob == ReviewSummary(id: 2, author: "bob", isBot: false, body: "Please split parse() in two; it does too much.",
                                     url: "https://github.com/acme/widgets/pull/1#pullrequestreview-2", submittedAt: "2026-01-02T00:00:00Z"))
        #expect(first.changeRequests.last?.isBot == true && first.changeRequests.last?.author == "copilot-pull-request-reviewer[bot]")

        // Unchanged: only the PR, its checks and statuses are asked (all 304); the change
        // requests stay as known, through the stored form too.
        let b = world.base
        world.server.expect("\(b)/pulls/3", .json(pr, etag: "\"pr3-1\""))
        world.server.expect("\(b)/commits/\(head)/check-runs?per_page=100", .json(GitHubFixtures.checkRuns([]), etag: "\"runs3-1\""))
        world.server.expect("\(b)/commits/\(head)/status?per_page=100", .json(["state": "pending", "statuses": [Any](), "sha": head], etag: "\"st3-1\""))
        let stored = try #require(PullRequestFacts.decode(first.encoded()))
        let second = try #require(try facts(observe(world, [TrackedSession(id: "a", branch: "ao/a", known: [stored])], bots: true)["a"]).first)
        #expect(second.changeRequests == first.changeRequests)
        #expect(world.lastClient?.notModifiedCount == 4)
        try world.server.verify()
    }

    @Test("ao.github.botReviews=ignore drops a bot's change request")
    func botsIgnored() throws {
        let world = try ForgeWorld()
        defer { world.close() }
        let pr = GitHubFixtures.pullRequest(number: 3, branch: "ao/a", headSHA: sha("a"))
        world.list([pr])
        world.serve(pr: pr, reviews: Self.reviews)
        world.threads([GitHubFixtures.graphQLThreadsPage([])])
        let observed = try #require(try facts(observe(world, [TrackedSession(id: "a", branch: "ao/a")], bots: false)["a"]).first)
        #expect(observed.changeRequests.map(\.id) == [2])
        try world.server.verify()
    }

    @Test("the stored form keeps change requests; facts stored before them decode with none")
    func storedForm() throws {
        var facts = PullRequestFacts(number: 9, state: .open, headSHA: sha("c"), updatedAt: "x", mergeability: .mergeable)
        facts.changeRequests = [ReviewSummary(id: 4_000_000_001, author: "bob", isBot: false, body: "line 1\n\"quoted\" \u{1b}[31m",
                                              url: nil, submittedAt: "2026-01-02T00:00:00Z")]
        #expect(PullRequestFacts.decode(facts.encoded()) == facts)
        let old = #"{"number": 9, "state": "open", "head": "cccccccccccccccccccccccccccccccccccccccc", "threads": [], "threads_known": true}"#
        let decoded = try #require(PullRequestFacts.decode(old))
        #expect(decoded.changeRequests.isEmpty && decoded.threadsKnown)
    }
}

import AOTestSupport
import Foundation
import Lifecycle
import Testing
@testable import Store

@Suite("forge state in the store")
struct ForgeStateTests {
    let env: TestEnvironment
    let directory: String

    init() throws {
        env = try TestEnvironment("forgestore")
        directory = env.root.appendingPathComponent("common/ao").path
        try FileManager.default.createDirectory(atPath: env.root.appendingPathComponent("common").path, withIntermediateDirectories: true)
    }

    func open() throws -> StateStore { try #require(try StateStore.open(directory: directory, create: true)) }

    @Test("ETags and their bodies are shared between connections")
    func etags() throws {
        defer { env.close() }
        try open().storeResponses(["https://x/a": StoredResponse(etag: "\"1\"", body: "[]", next: "https://x/a?page=2")], at: Timestamp(seconds: 1))
        try open().storeResponses(["https://x/a": StoredResponse(etag: "\"2\"", body: "[1]", next: nil)], at: Timestamp(seconds: 2))
        #expect(try open().storedResponses() == ["https://x/a": StoredResponse(etag: "\"2\"", body: "[1]", next: nil)])
    }

    @Test("one poll per interval across processes; force skips the interval but never a rate limit")
    func pollClaim() throws {
        defer { env.close() }
        let a = try open(), b = try open()
        let repo = "acme/widgets"
        #expect(try a.claimForgePoll(repo, at: Timestamp(seconds: 100), interval: .seconds(30), force: false))
        #expect(try !b.claimForgePoll(repo, at: Timestamp(seconds: 110), interval: .seconds(30), force: false))
        #expect(try b.claimForgePoll(repo, at: Timestamp(seconds: 111), interval: .seconds(30), force: true))
        #expect(try a.claimForgePoll(repo, at: Timestamp(seconds: 141), interval: .seconds(30), force: false))
        // GitHub asked for 60 s between polls.
        try a.recordForgePoll(repo, at: Timestamp(seconds: 141), unauthorized: false, authenticated: true, rateLimitedUntil: nil,
                              pollInterval: .seconds(60), error: nil)
        #expect(try !b.claimForgePoll(repo, at: Timestamp(seconds: 172), interval: .seconds(30), force: false))
        #expect(try b.claimForgePoll(repo, at: Timestamp(seconds: 201), interval: .seconds(30), force: false))
        try a.recordForgePoll(repo, at: Timestamp(seconds: 201), unauthorized: false, authenticated: false,
                              rateLimitedUntil: Timestamp(seconds: 500), pollInterval: nil, error: "rate limited")
        #expect(try !b.claimForgePoll(repo, at: Timestamp(seconds: 400), interval: .seconds(30), force: true))
        #expect(try b.claimForgePoll(repo, at: Timestamp(seconds: 501), interval: .seconds(30), force: false))
    }

    @Test("a rate limit is believed for at most an hour: a stored reset is bounded, and one written years ahead does not stop polls")
    func boundedRateLimit() throws {
        defer { env.close() }
        let store = try open()
        let repo = "acme/widgets"
        try store.recordForgePoll(repo, at: Timestamp(seconds: 1000), unauthorized: false, authenticated: false,
                                  rateLimitedUntil: Timestamp(seconds: 9_999_999_999), pollInterval: nil, error: "rate limited")
        #expect(try store.forgeRepositoryState(repo).rateLimitedUntil == Timestamp(seconds: 4600))
        #expect(try !store.claimForgePoll(repo, at: Timestamp(seconds: 4599), interval: .seconds(30), force: true))
        #expect(try store.claimForgePoll(repo, at: Timestamp(seconds: 4601), interval: .seconds(30), force: true))
        // A database written before the bound may hold a reset in 2286: it counts as passed.
        try store.connection.prepare("UPDATE forge_repositories SET rate_limited_until = ? WHERE repository = ?")
            .run([.int(9_999_999_999_000), .text(repo)])
        #expect(try store.forgeRepositoryState(repo).rateLimit(at: Timestamp(seconds: 5000)) == nil)
        #expect(try store.claimForgePoll(repo, at: Timestamp(seconds: 5000), interval: .seconds(30), force: true))
        // A poll that goes through records when the facts were last confirmed.
        try store.recordForgePoll(repo, at: Timestamp(seconds: 5000), unauthorized: false, authenticated: true, rateLimitedUntil: nil, pollInterval: nil, error: nil)
        try store.recordForgePoll(repo, at: Timestamp(seconds: 6000), unauthorized: false, authenticated: false, rateLimitedUntil: nil, pollInterval: nil, error: "/pulls: HTTP 500")
        #expect(try store.forgeRepositoryState(repo).lastSuccessAt == Timestamp(seconds: 5000))
        #expect(try store.forgeRepositoryState(repo).lastError == "/pulls: HTTP 500")
    }

    @Test("the next poll: the last poll plus the longer interval, never before a rate limit resets")
    func nextPoll() throws {
        defer { env.close() }
        #expect(ForgeRepositoryState().nextPollAt(interval: .seconds(30)) == nil)
        #expect(ForgeRepositoryState(lastPollAt: Timestamp(seconds: 100)).nextPollAt(interval: .seconds(30)) == Timestamp(seconds: 130))
        #expect(ForgeRepositoryState(lastPollAt: Timestamp(seconds: 100), pollInterval: .seconds(60)).nextPollAt(interval: .seconds(30))
                    == Timestamp(seconds: 160))
        #expect(ForgeRepositoryState(lastPollAt: Timestamp(seconds: 100), pollInterval: .seconds(60)).nextPollAt(interval: .seconds(90))
                    == Timestamp(seconds: 190))
        #expect(ForgeRepositoryState(lastPollAt: Timestamp(seconds: 100), rateLimitedUntil: Timestamp(seconds: 700)).nextPollAt(interval: .seconds(30))
                    == Timestamp(seconds: 700))
    }

    @Test("the unhealthy-token mark is sticky until an authenticated 200")
    func tokenMark() throws {
        defer { env.close() }
        let store = try open()
        let repo = "acme/widgets"
        try store.recordForgePoll(repo, at: Timestamp(seconds: 1), unauthorized: true, authenticated: false, rateLimitedUntil: nil, pollInterval: nil, error: "401")
        // A pass of 304s (not authenticated, not unauthorized) keeps the mark.
        try store.recordForgePoll(repo, at: Timestamp(seconds: 2), unauthorized: false, authenticated: false, rateLimitedUntil: nil, pollInterval: nil, error: nil)
        #expect(try store.forgeRepositoryState(repo).tokenUnhealthySince == Timestamp(seconds: 1))
        try store.recordForgePoll(repo, at: Timestamp(seconds: 3), unauthorized: false, authenticated: true, rateLimitedUntil: nil, pollInterval: nil, error: nil)
        #expect(try store.forgeRepositoryState(repo).tokenUnhealthySince == nil)
    }

    @Test("pull request facts")
    func facts() throws {
        defer { env.close() }
        let store = try open()
        let id = SessionID("s1")
        try store.replacePullRequestFacts([3: "{\"number\":3}", 4: "{}"], for: id, at: Timestamp(seconds: 1))
        try store.replacePullRequestFacts([4: "{\"number\":4}"], for: id, at: Timestamp(seconds: 2))
        #expect(try store.pullRequestFacts(for: id) == [4: "{\"number\":4}"])
    }

    @Test("feedback: the memory a decision leaves is read back whole; nudges carry their topics; superseded ones leave the outbox")
    func feedbackMemory() throws {
        defer { env.close() }
        let store = try open()
        let id = SessionID("s1")
        let key = CheckKey(head: String(repeating: "a", count: 40), check: "build: linux x64")
        var memory = FeedbackMemory()
        memory.failures[key] = "failure"
        memory.logWaits[CheckKey(head: key.head, check: "lint")] = Timestamp(seconds: 5)
        memory.threads["PRRT_1"] = 7
        memory.reviewBodies = [42]
        memory.reviewNudges = [3: 2]
        memory.reviewCapped = [4]
        memory.conflict = .local
        let nudge = FeedbackNudge.ciFailure(head: key.head, prs: [3], checks: [.init(name: key.check, conclusion: "failure", job: nil, withLog: false)])
        try store.updateFeedback(for: id, at: Timestamp(seconds: 6)) { old, pending in
            #expect(old == FeedbackMemory() && pending.isEmpty)
            return (FeedbackDecision(memory: memory, nudges: [nudge]), ["text"])
        }
        #expect(try store.feedbackMemory(for: id) == memory)
        let pending = try store.pendingOutbox(session: id)
        #expect(pending.map(\.body) == ["text"])
        #expect(NudgeReason.decode(pending.first?.reason) == nudge.reason)
        try store.updateFeedback(for: id, at: Timestamp(seconds: 7)) { old, waiting in
            #expect(waiting.map(\.reason) == [nudge.reason])
            return (FeedbackDecision(memory: old, supersede: waiting.map(\.id)), [])
        }
        #expect(try store.pendingOutbox(session: id).isEmpty)
    }
}

import AOTestSupport
import Foundation
import Lifecycle
import Testing
@testable import Store

@Suite("intake state")
struct IntakeStoreTests {
    let env: TestEnvironment
    let directory: String

    init() throws {
        env = try TestEnvironment("intake-store")
        directory = env.root.appendingPathComponent("common/ao").path
        try FileManager.default.createDirectory(atPath: env.root.appendingPathComponent("common").path, withIntermediateDirectories: true)
    }

    func seed(_ id: String) -> Session {
        Session(id: SessionID(id), name: nil, branch: BranchName("ao/\(id)"), branchCreated: true, baseRef: "origin/main",
                baseSHA: CommitSHA(String(repeating: "a", count: 40)), worktreePath: "/tmp/\(id)", agent: "fake",
                prompt: "p", tmuxName: "ao-\(id)", createdAt: Timestamp(seconds: 1000))
    }

    @Test("one live session per issue: the seed is refused, and the unique index refuses a write that skips the check")
    func oneLiveSessionPerIssue() throws {
        defer { env.close() }
        let store = try #require(try StateStore.open(directory: directory, create: true))
        let issue = "github:acme/widgets#7"
        try store.insertSeed(seed("aaaaaa"), spawnPID: 1, issue: issue)
        #expect(throws: SeedConflict.issueTaken(SessionID("aaaaaa"))) { try store.insertSeed(seed("bbbbbb"), spawnPID: 1, issue: issue) }
        try store.insertSeed(seed("cccccc"), spawnPID: 1)
        #expect(throws: (any Error).self) {
            try store.connection.prepare("UPDATE sessions SET issue_id = ? WHERE id = 'cccccc'").run([.text(issue)])
        }
        #expect(try store.liveSession(forIssue: issue) == SessionID("aaaaaa"))
        #expect(try store.issueIDs() == [SessionID("aaaaaa"): issue])
        // Once it ends, the issue is free for a new session (intake asks for --retry first).
        try store.update(SessionID("aaaaaa"), at: Timestamp(seconds: 5), event: "killed") {
            $0.state = .terminated
            $0.terminalReason = .killed
        }
        try store.insertSeed(seed("dddddd"), spawnPID: 1, issue: issue)
        #expect(try store.liveSession(forIssue: issue) == SessionID("dddddd"))
    }

    @Test("the run is claimed once per interval, never while backing off; retries are used up; a closed issue is noted once")
    func claimsBackoffRetries() throws {
        defer { env.close() }
        let store = try #require(try StateStore.open(directory: directory, create: true))
        let t0 = Timestamp(seconds: 10_000)
        #expect(try store.claimIntakeRun("acme/widgets", at: t0, interval: .seconds(30)))
        #expect(try !store.claimIntakeRun("acme/widgets", at: t0 + .seconds(10), interval: .seconds(30)))
        #expect(try store.claimIntakeRun("acme/widgets", at: t0 + .seconds(31), interval: .seconds(30)))
        try store.recordIntakeOutcome("acme/widgets", at: t0 + .seconds(40), backoffUntil: t0 + .seconds(340), error: "HTTP 500")
        #expect(try !store.claimIntakeRun("acme/widgets", at: t0 + .seconds(200), interval: .seconds(30)))
        #expect(try store.claimIntakeRun("acme/widgets", at: t0 + .seconds(341), interval: .seconds(30)))
        #expect(try store.intakeState("acme/widgets").lastError == "HTTP 500")

        try store.grantIntakeRetry("github:acme/widgets#1", at: t0)
        #expect(try store.intakeRetries() == ["github:acme/widgets#1"])
        try store.consumeIntakeRetry("github:acme/widgets#1")
        #expect(try store.intakeRetries().isEmpty)

        try store.insertSeed(seed("eeeeee"), spawnPID: 1, issue: "github:acme/widgets#2")
        #expect(try store.noteIssueClosed("github:acme/widgets#2", session: SessionID("eeeeee"), message: "closed", at: t0))
        #expect(try !store.noteIssueClosed("github:acme/widgets#2", session: SessionID("eeeeee"), message: "closed", at: t0))
        #expect(try store.pendingOutbox().filter { $0.topic == "issue_closed" }.count == 1)
    }
}

import AOTestSupport
import Foundation
@testable import GitAO
import Lifecycle
import Platform
import Testing

/// Issue 7, item 8: messages that must be true (the kill bullets are in AbandonedSpawnTests).
@Suite("true messages")
struct TrueMessagesTests {
    @Test("an agent that exits at once: spawn says it exited, with its status and last output, and leaves nothing behind")
    func agentExitsAtOnce() throws {
        let s = try Scenario("msg-exit")
        defer { s.close() }
        try s.env.installScript("quitter", "#!/bin/sh\necho 'quitter: no API key configured'\nexit 3\n")
        try s.env.git(["config", "ao.agent.quitter.command", "quitter"], in: s.repo)
        try s.env.git(["config", "ao.agent.falsy.command", "false"], in: s.repo)
        let before = try s.world()
        let result = try s.ao("spawn", "--no-attach", "--agent", "quitter")
        expectError(result, "SPAWN_FAILED", mentioning: ["exited at once", "quitter: no API key configured", "cause: AGENT_EXITED"])
        // tmux 3.3a, on a loaded machine, sometimes never records a pane's exit status (seen
        // with plain tmux too); then the message says so rather than guessing.
        #expect(result.stderr.contains("with status 3") || result.stderr.contains("tmux did not record its exit status"), "\(result)")
        #expect(!result.stderr.contains("Check the tmux server"), "\(result)")
        #expect(try s.world() == before)
        let falsy = try s.ao("spawn", "--no-attach", "--agent", "falsy")
        expectError(falsy, "SPAWN_FAILED", mentioning: ["exited at once"])
        #expect(falsy.stderr.contains("with status 1") || falsy.stderr.contains("tmux did not record its exit status"), "\(falsy)")
        #expect(try s.world() == before)
    }

    @Test("usage errors carry error[CODE] and a hint in plain mode; an unknown command lists the commands")
    func usageErrors() throws {
        let s = try Scenario("msg-usage", origin: false)
        defer { s.close() }
        let bogus = try s.ao("bogus")
        expectError(bogus, "INVALID_ARGUMENT", mentioning: ["'bogus' is not a git ao command", "spawn", "status", "cleanup"])
        #expect(!bogus.stderr.contains("Unexpected argument"), "\(bogus)")
        expectError(try s.ao("spawn", "--no-such-option"), "INVALID_ARGUMENT", mentioning: ["--no-such-option", "git ao spawn --help"])
        expectError(try s.ao("send"), "INVALID_ARGUMENT", mentioning: ["git ao send --help"])
        let json = try s.ao("bogus", "--json")
        #expect(json.errorCode == "INVALID_ARGUMENT")
    }

    @Test("branches whose names differ only in non-ASCII letters get folders of their own, letters kept")
    func nonASCIIFolders() throws {
        let s = try Scenario("msg-folders")
        defer { s.close() }
        let first = try s.spawn("--branch", "ánï/x")
        let second = try s.spawn("--branch", "ünï/x")
        let a = try s.worktreePath(of: first).lastPathComponent
        let b = try s.worktreePath(of: second).lastPathComponent
        #expect(a != b)
        #expect(a.precomposedStringWithCanonicalMapping == "ánï-x".precomposedStringWithCanonicalMapping, "\(a)")
        #expect(b.precomposedStringWithCanonicalMapping == "ünï-x".precomposedStringWithCanonicalMapping, "\(b)")
        // Characters that are not letters are replaced, and a hash keeps the folders apart.
        let third = try s.spawn("--branch", "feat/a+b")
        let fourth = try s.spawn("--branch", "feat/a=b")
        #expect(try s.worktreePath(of: third) != s.worktreePath(of: fourth))
        #expect(try s.worktreePath(of: third).lastPathComponent.hasPrefix("feat-a-b-"))
    }

    @Test("--name may not be another session's id")
    func nameIsAnID() throws {
        let s = try Scenario("msg-name-id")
        defer { s.close() }
        let id = try s.spawn()
        let before = try s.world()
        expectError(try s.ao("spawn", "--no-attach", "--name", id), "NAME_IN_USE", mentioning: ["'\(id)' is the id of session \(id)"])
        #expect(try s.world() == before)
    }

    @Test("a long name or branch is cut with an ellipsis on a terminal, and kept whole in a pipe")
    func longNames() throws {
        let long = String(repeating: "n", count: 300)
        let session = Session(id: SessionID("abc234"), name: long, branch: BranchName("ao/" + String(repeating: "b", count: 100)), branchCreated: true,
                              baseRef: "main", baseSHA: CommitSHA("0"), worktreePath: "/w", agent: "fake", tmuxName: "ao-abc234",
                              createdAt: Timestamp(milliseconds: 0), state: .working, runtime: .alive, activity: .active)
        let model = StatusModel(sessions: [session], hidden: 0, now: Timestamp(milliseconds: 1000))
        let terminal = model.human(verbose: false, palette: Palette(enabled: false), truncate: true)
        #expect(!terminal.contains(long))
        #expect(terminal.contains(String(repeating: "n", count: 23) + "…"))
        #expect(terminal.split(separator: "\n").allSatisfy { $0.count < 120 }, "\(terminal)")
        let piped = model.human(verbose: false, palette: Palette(enabled: false), truncate: false)
        #expect(piped.contains(long))
    }

    @Test("cleanup says '1 commit that is'")
    func oneCommitGrammar() throws {
        let s = try Scenario("msg-grammar")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        try s.env.git(["commit", "-q", "--allow-empty", "-m", "one"], in: worktree)
        try s.ao("kill", id)
        let result = try s.ao("cleanup", "-y")
        #expect(result.stdout.contains("has 1 commit that is not on"), "\(result)")
    }

    @Test("a prompt too long for the command line (E2BIG) is answered with a hint to use {prompt_file}")
    func promptTooLong() throws {
        let s = try Scenario("msg-e2big")
        defer { s.close() }
        let file = s.env.root.appendingPathComponent("huge.txt")
        try s.env.write(String(repeating: "a long task ", count: 20_000), to: file)
        let before = try s.world()
        let result = try s.ao("spawn", "--no-attach", "--prompt-file", file.path)
        expectError(result, "SPAWN_FAILED", mentioning: ["E2BIG", "{prompt_file}"])
        #expect(try s.world() == before)
    }

    @Test("send --queue to an ended session keeps the message for a restore, as the README says", .timeLimit(.minutes(15)))
    func queueForEndedSession() throws {
        let s = try Scenario("msg-queue-ended")
        defer { s.close() }
        let id = try s.spawn()
        try FakeAgents.waitForStart(id, in: s.env)
        try s.ao("kill", id)
        let queued = try s.ao("send", "--queue", id, "after the restore")
        #expect(queued.succeeded, "\(queued)")
        #expect(queued.stderr.contains("git ao restore \(id)"))
        try FileManager.default.removeItem(at: s.env.outputDirectory.appendingPathComponent("\(id).cwd"))
        #expect(try s.ao("restore", id).succeeded)
        try FakeAgents.waitForStart(id, in: s.env)
        try s.env.eventually("the queued message", timeout: 20) {
            try s.observe()
            return FakeAgents.received(by: id, in: s.env) == ["after the restore"]
        }
    }
}

import AOTestSupport
import Foundation
import Agents
@testable import GitAO
import Lifecycle
import Platform
import Testing

/// The agent reviewer: its own tmux session in the worker's worktree, read-only by
/// construction, submitting with `git ao review submit`; and the delivery rules of verdicts.
@Suite("review: agent reviewer and delivery")
struct ReviewAgentReviewerTests {
    @Test("commit -> the reviewer session reviews -> submit -> the worker is nudged; the session is reused for the next commit")
    func endToEnd() throws {
        let s = try Scenario("review-agent-e2e")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        try s.ao("init")
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let worktree = try s.worktreePath(of: id)
        let sha = try ReviewFixtures.commit(s, in: worktree, ["REVIEW_FAIL": "app.c:3 missing bounds check\n"], message: "work")

        try s.env.eventually("a changes_requested verdict", timeout: 30) {
            try ReviewFixtures.runs(s, session: id).contains { $0["verdict"] as? String == "changes_requested" }
        }
        let run = try ReviewFixtures.runs(s, session: id)[0]
        #expect(run["sha"] as? String == sha && run["reviewer"] as? String == "agent:reviewbot")
        #expect(try s.tmuxSessions().contains("ao-\(id)-review"))
        let out = s.env.outputDirectory
        #expect(s.env.read(out.appendingPathComponent("reviewer.cwd"))?.trimmingCharacters(in: .newlines) == worktree.path)
        // The reviewer is not the worker: no AO_SESSION_ID, so its hooks never report as the worker.
        let env = s.env.read(out.appendingPathComponent("reviewer.env")) ?? ""
        #expect(!env.contains("AO_SESSION_ID=") && env.contains("AO_REVIEW_RUN=\(run["id"]!)"))
        // The prompt asks for what the issue lists, and ends with the exact submit command.
        let task = s.env.read(out.appendingPathComponent("reviewer.tasks")) ?? ""
        for phrase in ["git diff", sha, "correctness", "error handling", "security", "missing tests", "file:line", "untrusted",
                       "git ao review submit --run \(run["id"]!) --verdict approved"] {
            #expect(task.contains(phrase), "prompt lacks \(phrase)")
        }
        try s.env.eventually("the nudge", timeout: 20) {
            try s.observe()
            return FakeAgents.received(by: id, in: s.env).contains { $0.contains("app.c:3 missing bounds check") }
        }
        #expect(FakeAgents.received(by: id, in: s.env).contains { $0.contains("agent:reviewbot") && $0.contains(String(sha.prefix(12))) })

        // The next commit goes to the same reviewer session.
        let fixed = try ReviewFixtures.commit(s, in: worktree, ["REVIEW_FAIL": nil], message: "fix")
        try s.env.eventually("the approval from the reused session", timeout: 30) {
            try ReviewFixtures.runs(s, session: id).contains { $0["sha"] as? String == fixed && $0["verdict"] as? String == "approved" }
        }
        #expect(try s.tmuxSessions().filter { $0.hasPrefix("ao-\(id)-review") }.count == 1)
        #expect(s.env.read(out.appendingPathComponent("reviewer.cwd")) != nil)

        // Killing the worker ends the reviewer too.
        #expect(try s.ao("kill", id).succeeded)
        #expect(try !s.tmuxSessions().contains("ao-\(id)-review"))
    }

    @Test("the reviewer's launch line carries the read-only restrictions")
    func readOnlyLaunchLines() throws {
        let s = try Scenario("review-launch", origin: false)
        defer { s.close() }
        let run: Int64 = 7
        let session = SessionID("abc234")
        let config = GitConfig()
        let claude = try AgentReviewer.launchArgv(.init(name: "claude-code", kind: .claudeCode), prompt: "p", promptFile: "/f", session: session, run: run, config: config).argv
        #expect(claude.first == "claude")
        let tools = Array(claude.drop { $0 != "--disallowedTools" }.dropFirst().prefix { $0 != "--" })
        for tool in ["Edit", "Write", "NotebookEdit", "Bash(git commit:*)", "Bash(git push:*)", "Bash(git reset:*)"] {
            #expect(tools.contains(tool), "claude reviewer may use \(tool)")
        }
        #expect(claude.suffix(2) == ["--", "p"])
        let allowed = Array(claude.drop { $0 != "--allowedTools" }.dropFirst().prefix { !$0.hasPrefix("--") })
        #expect(!allowed.contains { $0.hasPrefix("Edit") || $0.hasPrefix("Write") || $0 == "Bash" || $0.contains("commit") || $0.contains("push") })
        #expect(allowed.contains("Bash(git ao review submit:*)"))
        let codex = try AgentReviewer.launchArgv(.init(name: "codex", kind: .codex), prompt: "p", promptFile: "/f", session: session, run: run, config: config).argv
        #expect(codex.starts(with: ["codex", "--sandbox", "read-only"]))
        // A custom agent reviews only with a review launch line of its own.
        let custom = AgentDefinition(name: "mine", kind: .custom(launch: CommandTemplate(words: ["mine", "{prompt}"]), resume: nil))
        #expect(throws: AOError.self) { try AgentReviewer.launchArgv(custom, prompt: "p", promptFile: "/f", session: session, run: run, config: config) }
        let trigger = try s.ao("review", "trigger", try s.spawn("--prompt", "x"), "--agent", "fake")
        expectError(trigger, "NO_REVIEWER", mentioning: ["fake", "reviewCommand"])
    }

    @Test("every submit error, and an idempotent resubmit")
    func submitErrors() throws {
        let s = try Scenario("review-submit")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--prompt", "start")
        let runs = try (0..<2).map { _ in try ReviewFixtures.triggerSilent(s, id) }

        expectError(try s.ao("review", "submit", "--run", "999", "--verdict", "approved"), "REVIEW_RUN_NOT_FOUND", mentioning: ["999"])
        expectError(try s.ao("review", "submit", "--run", runs[1], "--verdict", "changes_requested"), "INVALID_ARGUMENT", mentioning: ["body"])
        expectError(try s.ao(arguments: ["review", "submit", "--run", runs[1], "--verdict", "changes_requested", "--body-file", "-"], input: "  \n"), "INVALID_ARGUMENT")
        // runs[0] was superseded by runs[1] (same sha? no: a new commit came between).
        expectError(try s.ao("review", "submit", "--run", runs[0], "--verdict", "approved"), "REVIEW_RUN_STALE", mentioning: [runs[0], "superseded"])
        #expect(try s.ao("review", "submit", "--run", runs[1], "--verdict", "approved").succeeded)
        let again = try s.ao("review", "submit", "--run", runs[1], "--verdict", "approved")
        #expect(again.succeeded && again.stdout.contains("nothing changed"), "\(again)")
        let other = try s.ao(arguments: ["review", "submit", "--run", runs[1], "--verdict", "changes_requested", "--body-file", "-"], input: "no\n")
        expectError(other, "REVIEW_ALREADY_SUBMITTED", mentioning: [runs[1], "approved"])
        // A cancelled run is stale too.
        let third = try ReviewFixtures.triggerSilent(s, id)
        #expect(try s.ao("review", "cancel", third).stdout.contains("cancelled"))
        expectError(try s.ao("review", "submit", "--run", third, "--verdict", "approved"), "REVIEW_RUN_STALE", mentioning: ["cancelled"])
    }

    @Test("a verdict whose sha is no longer the worker's HEAD is recorded and shown, not delivered")
    func staleVerdict() throws {
        let s = try Scenario("review-stale")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let run = try ReviewFixtures.triggerSilent(s, id)
        let worktree = try s.worktreePath(of: id)
        try ReviewFixtures.commit(s, in: worktree, ["later.txt": "x\n"], message: "moved on")
        try s.observe()
        let submitted = try s.ao(arguments: ["review", "submit", "--run", run, "--verdict", "changes_requested", "--body-file", "-"], input: "old finding\n")
        #expect(submitted.succeeded && submitted.stdout.contains("stale"), "\(submitted)")
        let shown = try ReviewFixtures.run(s, run)
        #expect(shown["status"] as? String == "complete" && shown["verdict"] as? String == "changes_requested")
        #expect((shown["note"] as? String)?.contains("stale") == true)
        try s.observe()
        #expect(!FakeAgents.received(by: id, in: s.env).contains { $0.contains("old finding") })
    }

    @Test("after 3 delivered review nudges for a branch and reviewer, the human is asked instead")
    func cap() throws {
        let s = try Scenario("review-cap")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let worktree = try s.worktreePath(of: id)
        var statuses: [String] = []
        for n in 0..<4 {
            try ReviewFixtures.commit(s, in: worktree, ["f\(n).txt": "\(n)\n"], message: "try \(n)")
            try s.observe()
            let run = try ReviewFixtures.triggerSilent(s, id, commit: false)
            let result = try s.ao(arguments: ["review", "submit", "--run", run, "--verdict", "changes_requested", "--body-file", "-"], input: "finding \(n)\n")
            #expect(result.succeeded, "\(result)")
            statuses.append(try ReviewFixtures.run(s, run)["status"] as? String ?? "")
            // The next commit would make an undelivered verdict stale: let this one arrive first.
            if n < 3 {
                try s.env.eventually("nudge \(n + 1)", timeout: 20) {
                    try s.observe()
                    return FakeAgents.received(by: id, in: s.env).contains { $0.contains("finding \(n)") }
                }
            }
        }
        #expect(statuses == ["delivered", "delivered", "delivered", "complete"])
        try s.env.eventually("the needs_input notification", timeout: 20) {
            try s.observe()
            return try s.eventKinds(id).contains("notified")
        }
        #expect(FakeAgents.received(by: id, in: s.env).filter { $0.contains("requests changes") }.count == 3)
        #expect(!FakeAgents.received(by: id, in: s.env).contains { $0.contains("finding 3") })
    }

    @Test("nothing is typed into a blocked worker; the verdict waits and goes once it is free")
    func blockedWorker() throws {
        let s = try Scenario("review-blocked")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--agent", "hooked", "--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let run = try ReviewFixtures.triggerSilent(s, id)
        try s.signal(id, "blocked")
        #expect(try s.axes(id).activity == "blocked")
        let result = try s.ao(arguments: ["review", "submit", "--run", run, "--verdict", "changes_requested", "--body-file", "-"], input: "wait for me\n")
        #expect(result.succeeded, "\(result)")
        Thread.sleep(forTimeInterval: 1)
        try s.observe()
        #expect(!FakeAgents.received(by: id, in: s.env).contains { $0.contains("wait for me") })
        try s.signal(id, "active")
        try s.env.eventually("the nudge after the dialog closed", timeout: 20) {
            try s.observe()
            return FakeAgents.received(by: id, in: s.env).contains { $0.contains("wait for me") }
        }
    }

    @Test("a worker blocked across four verdicts gets one nudge, for its HEAD, once free: the stale ones are withdrawn and never count towards the cap")
    func blockedAcrossCommits() throws {
        let s = try Scenario("review-blocked-burst")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--agent", "hooked", "--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        try s.signal(id, "blocked")
        var runs: [String] = []
        for n in 0..<4 {
            let run = try ReviewFixtures.triggerSilent(s, id)
            let result = try s.ao(arguments: ["review", "submit", "--run", run, "--verdict", "changes_requested", "--body-file", "-"], input: "finding \(n)\n")
            #expect(result.succeeded, "\(result)")
            runs.append(run)
        }
        let statuses = try runs.map { try ReviewFixtures.run(s, $0)["status"] as? String ?? "" }
        #expect(statuses == ["complete", "complete", "complete", "delivered"], "\(statuses)")
        try s.signal(id, "active")
        try s.env.eventually("the nudge for HEAD", timeout: 20) {
            try s.observe()
            return FakeAgents.received(by: id, in: s.env).contains { $0.contains("finding 3") }
        }
        try s.observe()
        #expect(FakeAgents.received(by: id, in: s.env).filter { $0.contains("requests changes") }.count == 1)
    }

    @Test("a queued verdict whose commit stops being HEAD before delivery is withdrawn, not typed")
    func staleBeforeDelivery() throws {
        let s = try Scenario("review-stale-queued")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--agent", "hooked", "--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let run = try ReviewFixtures.triggerSilent(s, id)
        try s.signal(id, "blocked")
        let result = try s.ao(arguments: ["review", "submit", "--run", run, "--verdict", "changes_requested", "--body-file", "-"], input: "too late\n")
        #expect(result.succeeded, "\(result)")
        #expect(try ReviewFixtures.run(s, run)["status"] as? String == "delivered")
        try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["next.txt": "x\n"], message: "moved on")
        try s.signal(id, "active")
        try s.observe()
        try s.observe()
        #expect(!FakeAgents.received(by: id, in: s.env).contains { $0.contains("too late") })
        let shown = try ReviewFixtures.run(s, run)
        #expect(shown["status"] as? String == "complete" && (shown["note"] as? String)?.contains("before delivery") == true, "\(shown)")
    }

    @Test("a run whose reviewer session ended without a verdict fails, so the same sha can be reviewed again")
    func abandonedReviewer() throws {
        let s = try Scenario("review-abandoned")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--prompt", "start")
        let first = try ReviewFixtures.triggerSilent(s, id)
        try s.env.eventually("the reviewer session") { try s.tmuxSessions().contains("ao-\(id)-review") }
        #expect(try s.ao("review", "trigger", id, "--agent", "reviewbot").stdout.contains("already running"))
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)-review"])
        let second = try ReviewFixtures.triggerSilent(s, id, commit: false)
        #expect(second != first)
        let failed = try ReviewFixtures.run(s, first)
        #expect(failed["status"] as? String == "failed" && (failed["note"] as? String)?.contains("ended before it submitted") == true)
    }

    @Test("spawn --review-agent gives a session its own reviewer, ahead of ao.review.agent; one that cannot review is refused up front")
    func sessionOverride() throws {
        let s = try Scenario("review-override")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        try s.env.git(["config", "ao.review.agent", "none"], in: s.repo)
        try s.ao("init")
        let before = try s.world()
        expectError(try s.ao("spawn", "--no-attach", "--review-agent", "fake", "--prompt", "x"), "NO_REVIEWER", mentioning: ["fake"])
        #expect(try s.world() == before)
        let id = try s.spawn("--review-agent", "reviewbot", "--prompt", "start")
        let other = try s.spawn("--prompt", "start")
        try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["a.txt": "a\n"], message: "a")
        try ReviewFixtures.commit(s, in: try s.worktreePath(of: other), ["b.txt": "b\n"], message: "b")
        try s.env.eventually("the session's own reviewer to approve", timeout: 30) {
            try ReviewFixtures.runs(s, session: id).contains { $0["reviewer"] as? String == "agent:reviewbot" && $0["verdict"] as? String == "approved" }
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(try ReviewFixtures.runs(s, session: other).isEmpty)
    }

    @Test("doctor says which reviewers review commits, or that reviews are off and why")
    func doctor() throws {
        let s = try Scenario("review-doctor", origin: false)
        defer { s.close() }
        let off = try s.ao("doctor", "--json")
        #expect(off.stdout.contains("neither an agent reviewer nor a command reviewer"), "\(off)")
        try ReviewFixtures.install(s)
        try ReviewFixtures.useCommand(s)
        #expect(try s.ao("doctor", "--json").stdout.contains("command 'fake-reviewer"))
        try s.env.git(["config", "ao.review.enabled", "false"], in: s.repo)
        #expect(try s.ao("doctor", "--json").stdout.contains("off (ao.review.enabled is false)"))
    }
}

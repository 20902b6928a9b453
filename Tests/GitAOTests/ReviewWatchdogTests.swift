import AOTestSupport
import Foundation
import Testing

/// Review runs that say `running` while nothing runs them end as failed at the next pass.
@Suite("review watchdog")
struct ReviewWatchdogTests {
    /// Processes whose working directory is `path`.
    func processes(in path: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { Int($0) != nil }.filter { pid in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) == path
        }
    }


    @Test("an agent reviewer that does not submit within ao.review.timeout fails at the next pass; its tmux session is ended, the worker hears nothing")
    func agentTimeout() throws {
        let s = try Scenario("watchdog-agent-timeout")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        try s.env.git(["config", "ao.review.timeout", "3s"], in: s.repo)
        let id = try s.spawn("--prompt", "start")
        try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["a.txt": "a\n"], message: "work")
        let run = try ReviewFixtures.triggerSilent(s, id, commit: false)
        try s.env.eventually("the reviewer session") { try s.tmuxSessions().contains("ao-\(id)-review") }
        try s.observe()
        #expect(try ReviewFixtures.run(s, run)["status"] as? String == "running", "within the limit it runs on")
        Thread.sleep(forTimeInterval: 3.5)
        try s.observe()
        let failed = try ReviewFixtures.run(s, run)
        #expect(failed["status"] as? String == "failed", "\(failed)")
        #expect((failed["note"] as? String)?.contains("did not submit a verdict within 3 s (ao.review.timeout)") == true, "\(failed)")
        #expect(try !s.tmuxSessions().contains("ao-\(id)-review"))
        #expect(!FakeAgents.received(by: id, in: s.env).contains { $0.contains("review") || $0.contains("3 s") })
        // The same commit can be reviewed again.
        #expect(try ReviewFixtures.triggerSilent(s, id, commit: false) != run)
    }

    @Test("a reviewer session that ends without a verdict fails its run at the next pass, with no trigger needed")
    func agentSessionGone() throws {
        let s = try Scenario("watchdog-agent-gone")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useAgent(s)
        let id = try s.spawn("--prompt", "start")
        try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["a.txt": "a\n"], message: "work")
        let run = try ReviewFixtures.triggerSilent(s, id, commit: false)
        try s.env.eventually("the reviewer session") { try s.tmuxSessions().contains("ao-\(id)-review") }
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)-review"])
        let pass = try s.observe()
        let failed = try ReviewFixtures.run(s, run)
        #expect(failed["status"] as? String == "failed" && (failed["note"] as? String)?.contains("ended before it submitted") == true, "\(failed)")
        #expect(pass.stdout.contains("review_failed: run \(run)"), "\(pass)")
    }

    @Test("a command reviewer whose process is killed -9 fails at the next pass; the command's processes and its worktree go too")
    func commandExecutorKilled() throws {
        let s = try Scenario("watchdog-command-killed")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useCommand(s)
        let id = try s.spawn("--prompt", "start")
        try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["a.txt": "a\n"], message: "work")
        let trigger = try s.ao(arguments: ["review", "trigger", id, "--command"], environment: ["FAKE_REVIEW_SLEEP": "120"])
        let run = try #require(trigger.stdout.split(separator: "\n").first.map(String.init), "\(trigger)")
        let cwdFile = s.env.outputDirectory.appendingPathComponent("review-\(run).cwd")
        try s.env.eventually("the command reviewer runs") { s.env.read(cwdFile) != nil }
        let worktree = try #require(s.env.read(cwdFile)?.trimmingCharacters(in: .newlines))
        try s.env.eventually("its processes") { !processes(in: worktree).isEmpty }
        // Its executor: the detached `git-ao review execute <run>`.
        let executor = try s.env.run(["pgrep", "-f", "review execute \(run)$"]).stdout.split(separator: "\n").map(String.init)
        #expect(executor.count == 1, "\(executor)")
        try s.observe()
        #expect(try ReviewFixtures.run(s, run)["status"] as? String == "running", "a live executor is left alone")
        for pid in executor { kill(pid_t(pid)!, SIGKILL) }
        try s.env.eventually("the executor is gone") { try s.env.run(["pgrep", "-f", "review execute \(run)$"]).stdout.isEmpty }
        try s.observe()
        let failed = try ReviewFixtures.run(s, run)
        #expect(failed["status"] as? String == "failed", "\(failed)")
        #expect((failed["note"] as? String)?.contains("ended without a verdict") == true, "\(failed)")
        try s.env.eventually("the command's processes are ended") { processes(in: worktree).isEmpty }
        #expect(!FileManager.default.fileExists(atPath: worktree))
        let listed = try s.env.git(["worktree", "list", "--porcelain"], in: s.repo)
        #expect(!listed.contains(worktree), "\(listed)")
    }
}

import AOTestSupport
import Foundation
import Platform
import Testing

/// kill, restore and cleanup never lose work.
@Suite("kill, restore, cleanup")
struct SessionLifecycleTests {
    func commit(_ s: Scenario, in worktree: URL, file: String) throws {
        try s.env.write("work\n", to: worktree.appendingPathComponent(file))
        try s.env.git(["add", file], in: worktree)
        try s.env.git(["commit", "-q", "-m", "agent work on \(file)"], in: worktree)
    }

    @Test("kill ends tmux, marks the session killed, and removes a clean worktree but keeps the branch")
    func killClean() throws {
        let s = try Scenario("kill-clean")
        defer { s.close() }
        let id = try s.spawn()
        let path = try s.worktreePath(of: id)
        let result = try s.ao("kill", id)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout.contains("Removed its worktree"))
        #expect(try s.tmuxSessions().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path.path))
        #expect(try s.worktrees().count == 1)
        #expect(try s.branches().contains("refs/heads/ao/\(id)"))
        let session = try s.session(id)
        #expect(session["status"] as? String == "terminated")
        #expect(session["terminal_reason"] as? String == "killed")
        // Killing twice is not an error.
        let again = try s.ao("kill", id)
        #expect(again.succeeded)
        #expect(again.stdout.contains("already terminated"))
        #expect(try s.session(id)["revision"] as? Int == session["revision"] as? Int)
    }

    @Test("kill keeps a dirty worktree and says so")
    func killDirty() throws {
        let s = try Scenario("kill-dirty")
        defer { s.close() }
        let id = try s.spawn()
        let path = try s.worktreePath(of: id)
        try s.env.write("unsaved\n", to: path.appendingPathComponent("notes.txt"))
        let result = try s.ao("kill", id)
        #expect(result.succeeded)
        #expect(result.stdout.contains("Kept its worktree"))
        #expect(result.stdout.contains("uncommitted changes"))
        #expect(s.env.read(path.appendingPathComponent("notes.txt")) == "unsaved\n")
        #expect(try s.tmuxSessions().isEmpty)
    }

    @Test("restore refuses a live session and one without a branch or worktree path")
    func restoreRefusals() throws {
        let s = try Scenario("restore-refuse")
        defer { s.close() }
        let id = try s.spawn()
        expectError(try s.ao("restore", id), "SESSION_NOT_RESTORABLE", mentioning: [id])
        try s.ao("kill", id)
        try s.sql("UPDATE sessions SET worktree_path = '' WHERE id = '\(id)'")
        expectError(try s.ao("restore", id), "SESSION_INCOMPLETE_HANDLE", mentioning: [id, "worktree path"])
        try s.sql("UPDATE sessions SET branch = '' WHERE id = '\(id)'")
        expectError(try s.ao("restore", id), "SESSION_INCOMPLETE_HANDLE", mentioning: ["branch"])
        expectError(try s.ao("restore", "nosuch"), "SESSION_NOT_FOUND")
    }

    @Test("restore recreates a removed worktree on the session's branch, with its commits, and resumes the agent")
    func restoreRecreatesWorktree() throws {
        let s = try Scenario("restore-wt")
        defer { s.close() }
        let id = try s.spawn("--prompt", "original task")
        let path = try s.worktreePath(of: id)
        try commit(s, in: path, file: "done.txt")
        try s.ao("kill", id)
        #expect(!FileManager.default.fileExists(atPath: path.path))
        let result = try s.ao("restore", id)
        #expect(result.succeeded, "\(result)")
        #expect(FileManager.default.fileExists(atPath: path.appendingPathComponent("done.txt").path))
        #expect(try s.env.git(["rev-parse", "--abbrev-ref", "HEAD"], in: path) == "ao/\(id)\n")
        #expect(try s.tmuxSessions() == ["ao-\(id)"])
        // The custom agent's resume template ran, not a fresh start.
        try s.env.eventually("resumed agent") { FakeAgents.arguments(of: id, in: s.env) == ["--resumed", id] }
        let session = try s.session(id)
        #expect(session["status"] as? String == "working")
        #expect(session["terminal_reason"] is NSNull || session["terminal_reason"] == nil)
    }

    @Test("three restores of one ended session at once: one restores it, the others say it is being restored or is live", .timeLimit(.minutes(15)))
    func concurrentRestores() throws {
        let s = try Scenario("restore-race")
        defer { s.close() }
        let id = try s.spawn("--prompt", "task")
        try s.ao("kill", id)
        let results = ConcurrentResults()
        DispatchQueue.concurrentPerform(iterations: 3) { _ in results.add(Result { try s.ao("restore", id) }) }
        let all = results.all.compactMap { try? $0.get() }
        #expect(all.count == 3)
        #expect(all.filter(\.succeeded).count == 1, "\(all)")
        for loser in all where !loser.succeeded {
            expectError(loser, "SESSION_NOT_RESTORABLE", mentioning: [id])
            #expect(!loser.stderr.contains("could not open") && !loser.stderr.contains("duplicate"), "\(loser)")
        }
        #expect(try s.tmuxSessions() == ["ao-\(id)"])
        let ao = s.repo.appendingPathComponent(".git/ao/run")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: ao.path)) ?? []).filter { $0.hasSuffix(".plan") || $0.hasSuffix(".ack") }.isEmpty)
    }

    @Test("a restore while another holds the session's restore lock is refused at once, naming the holder")
    func restoreLockHeld() throws {
        let s = try Scenario("restore-lock")
        defer { s.close() }
        let id = try s.spawn("--prompt", "task")
        try s.ao("kill", id)
        let path = s.repo.appendingPathComponent(".git/ao/restore-\(id).lock").path
        let lock = try #require(try FileLock.acquire(path, wait: 0))
        lock.recordOwner()
        let refused = try s.ao("restore", id)
        expectError(refused, "SESSION_NOT_RESTORABLE", mentioning: [id, "being restored", "pid \(getpid())"])
        #expect(try s.tmuxSessions().isEmpty)
        lock.release()
        #expect(try s.ao("restore", id).succeeded)
    }

    @Test("without a resume command, restore starts the agent again with its saved prompt")
    func restoreWithPrompt() throws {
        let s = try Scenario("restore-prompt")
        defer { s.close() }
        try s.env.git(["config", "--unset", "ao.agent.fake.resume"], in: s.repo)
        let id = try s.spawn("--prompt", "saved task; $(keep)")
        try s.ao("kill", id)
        try FileManager.default.removeItem(at: s.env.outputDirectory.appendingPathComponent("\(id).cwd"))
        #expect(try s.ao("restore", id).succeeded)
        try FakeAgents.waitForStart(id, in: s.env)
        #expect(FakeAgents.arguments(of: id, in: s.env) == ["--task", "saved task; $(keep)", "--session", id])
    }

    @Test("restore also brings back a session whose tmux session vanished")
    func restoreLostRuntime() throws {
        let s = try Scenario("restore-lost")
        defer { s.close() }
        let id = try s.spawn()
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        #expect(try s.session(id)["status"] as? String == "detecting")
        #expect(try s.ao("restore", id).succeeded)
        #expect(try s.tmuxSessions() == ["ao-\(id)"])
    }

    @Test("built-in agents: Claude Code pins --session-id and resumes it; Codex and Aider get their prompt their way")
    func builtInAgents() throws {
        let s = try Scenario("builtin")
        defer { s.close() }
        // Stand-ins for the real programs, with the real names, on PATH.
        for program in ["claude", "codex", "aider"] { try s.env.installScript(program, FakeAgents.echo) }
        try s.env.git(["config", "ao.agent.aider.readyPattern", "fake agent ready"], in: s.repo)

        let claude = try s.spawn("--agent", "claude-code", "--prompt=-fix; it")
        try FakeAgents.waitForStart(claude, in: s.env)
        let claudeArgs = try #require(FakeAgents.arguments(of: claude, in: s.env))
        #expect(claudeArgs.count == 4)
        #expect(claudeArgs[0] == "--session-id")
        #expect(claudeArgs[2...] == ["--", "-fix; it"])
        let pinned = claudeArgs[1]
        #expect(UUID(uuidString: pinned) != nil)
        #expect(try s.session(claude)["agent_session_id"] as? String == pinned)
        try s.ao("kill", claude)
        try FileManager.default.removeItem(at: s.env.outputDirectory.appendingPathComponent("\(claude).cwd"))
        #expect(try s.ao("restore", claude).succeeded)
        try FakeAgents.waitForStart(claude, in: s.env)
        #expect(FakeAgents.arguments(of: claude, in: s.env) == ["--resume", pinned])

        let codex = try s.spawn("--agent", "codex", "--prompt", "codex task")
        try FakeAgents.waitForStart(codex, in: s.env)
        // Codex gets git-ao's hooks for this run on its command line, then the prompt.
        let codexArgs = try #require(FakeAgents.arguments(of: codex, in: s.env))
        #expect(codexArgs.suffix(2) == ["--", "codex task"])
        #expect(codexArgs.contains { $0.hasPrefix("hooks.Stop=[{hooks=[{type=\"command\",command=\"") && $0.hasSuffix(" signal codex Stop\"}]}]") })
        #expect(codexArgs.filter { $0 == "-c" }.count == 4)

        let aider = try s.spawn("--agent", "aider", "--prompt", "aider task")
        try FakeAgents.waitForStart(aider, in: s.env)
        #expect(FakeAgents.arguments(of: aider, in: s.env) == ["--no-show-release-notes"])
        #expect(FakeAgents.received(by: aider, in: s.env) == ["aider task"])

        let shell = try s.spawn("--agent", "shell")
        #expect(try s.session(shell)["status"] as? String == "working")
    }

    @Test("cleanup removes only what is safe, archives only tips nothing else holds, lists every skip with its reason")
    func cleanupSafety() throws {
        let s = try Scenario("cleanup")
        defer { s.close() }
        // 1: pushed work, clean tree -> removed.
        let pushed = try s.spawn()
        let pushedPath = try s.worktreePath(of: pushed)
        try commit(s, in: pushedPath, file: "pushed.txt")
        try s.env.git(["push", "-q", "-u", "origin", "ao/\(pushed)"], in: pushedPath)
        let pushedTip = try s.env.git(["rev-parse", "HEAD"], in: pushedPath)
        // 2: unpushed commit -> skipped.
        let unpushed = try s.spawn()
        try commit(s, in: try s.worktreePath(of: unpushed), file: "unpushed.txt")
        // 3: dirty tree -> skipped.
        let dirty = try s.spawn()
        try s.env.write("wip\n", to: try s.worktreePath(of: dirty).appendingPathComponent("wip.txt"))
        // 4: still live -> not considered.
        let live = try s.spawn()
        for id in [pushed, unpushed, dirty] { try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"]) }
        for id in [pushed, unpushed, dirty] { try s.sql("UPDATE sessions SET state = 'terminated', terminal = 1, terminal_reason = 'killed' WHERE id = '\(id)'") }

        // Dry run changes nothing.
        let before = try s.world()
        let dry = try s.ao("cleanup", "--dry-run")
        #expect(dry.succeeded)
        #expect(dry.stdout.contains("would remove \(pushed)"))
        // Its upstream holds the tip: no archive ref would pile up, and the dry run says so.
        #expect(dry.stdout.contains("(no archive: tip \(pushedTip.prefix(7)) is on refs/remotes/origin/ao/\(pushed))"), "\(dry.stdout)")
        #expect(try s.world() == before)

        // Without a terminal and without -y, nothing happens.
        expectError(try s.ao("cleanup"), "CONFIRMATION_REQUIRED", mentioning: ["-y"])
        #expect(try s.world() == before)

        let result = try s.ao("cleanup", "-y")
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout.contains("removed \(pushed)"))
        #expect(result.stdout.contains("skip \(unpushed): branch ao/\(unpushed) has 1 commit"))
        #expect(result.stdout.contains("skip \(dirty): its worktree has uncommitted changes"))
        #expect(!result.stdout.contains(live))

        #expect(!FileManager.default.fileExists(atPath: pushedPath.path))
        #expect(try s.env.git(["for-each-ref", "refs/ao/archive/"], in: s.repo).isEmpty)
        #expect(try !s.branches().contains("refs/heads/ao/\(pushed)"))
        #expect(try s.branches().contains("refs/heads/ao/\(unpushed)"))
        #expect(FileManager.default.fileExists(atPath: try s.worktreePath(of: dirty).appendingPathComponent("wip.txt").path))
        #expect(try s.tmuxSessions() == ["ao-\(live)"])
        #expect(try s.session(pushed)["cleaned_at"] is String)

        // A second run has only the skipped ones left.
        let again = try s.ao("cleanup", "-y", "--json")
        let entries = try again.json()["sessions"] as? [[String: Any]] ?? []
        #expect(Set(entries.compactMap { $0["id"] as? String }) == [unpushed, dirty])
        #expect(entries.allSatisfy { $0["action"] as? String == "skipped" && ($0["reason"] as? String)?.isEmpty == false })

        // Restore after cleanup rebuilds the branch from the tip the cleanup recorded.
        #expect(try s.ao("restore", pushed).succeeded)
        #expect(try s.env.git(["rev-parse", "HEAD"], in: pushedPath) == pushedTip)
    }

    @Test("cleanup keeps a branch git-ao did not create, and work merged into the base counts as safe")
    func cleanupMergedAndForeign() throws {
        let s = try Scenario("cleanup-merged")
        defer { s.close() }
        try s.env.git(["branch", "users-branch"], in: s.repo)
        let foreign = try s.spawn("--branch", "users-branch")
        let merged = try s.spawn()
        let mergedPath = try s.worktreePath(of: merged)
        try commit(s, in: mergedPath, file: "merged.txt")
        // The work lands on origin/main (as a merged pull request would).
        try s.env.git(["push", "-q", "origin", "ao/\(merged):main"], in: mergedPath)
        try s.env.git(["fetch", "-q", "origin"], in: s.repo)
        try s.ao("kill", foreign)
        try s.ao("kill", merged)
        let result = try s.ao("cleanup", "-y")
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout.contains("branch users-branch kept: git-ao did not create it"))
        #expect(try s.branches().contains("refs/heads/users-branch"))
        #expect(try !s.branches().contains("refs/heads/ao/\(merged)"))
    }
}

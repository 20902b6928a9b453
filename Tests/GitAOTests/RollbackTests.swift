import AOTestSupport
import Foundation
import Testing

/// Spawn is all or nothing: a failure injected at each step, with real components failing for
/// real reasons, leaves `git worktree list`, `git branch`, tmux and `git ao status --all` (and
/// git's and git-ao's private folders) exactly as they were.
@Suite("spawn rollback")
struct RollbackTests {
    /// A scenario with one session already spawned (so the database exists), plus a snapshot.
    func prepared(_ label: String) throws -> (Scenario, Scenario.World) {
        let s = try Scenario(label)
        _ = try s.spawn("--prompt", "first")
        return (s, try s.world())
    }

    func expectRolledBack(_ s: Scenario, _ before: Scenario.World, _ result: RunResult, step: String,
                          code: String = "SPAWN_FAILED", sourceLocation: SourceLocation = #_sourceLocation) throws {
        expectError(result, code, sourceLocation: sourceLocation)
        #expect(result.stderr.contains(step), "error should name the step '\(step)': \(result.stderr)", sourceLocation: sourceLocation)
        #expect(try s.world() == before, sourceLocation: sourceLocation)
    }

    @Test("a failure recording the session (a database trigger refuses the insert)")
    func failAtSeed() throws {
        let (s, before) = try prepared("rb-seed")
        defer { s.close() }
        try s.sql("CREATE TRIGGER fail_seed BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
        let result = try s.ao("spawn", "--no-attach", "--prompt", "second")
        // Nothing existed yet, so the database error itself is the whole story.
        expectError(result, "DATABASE_FAILED", mentioning: ["injected failure"])
        #expect(try s.world() == before)
    }

    @Test("a failure creating the branch (a branch named 'ao' blocks refs/heads/ao/<id>)")
    func failAtBranch() throws {
        let (s, _) = try prepared("rb-branch")
        defer { s.close() }
        try s.env.git(["branch", "ao-blocker"], in: s.repo)
        try s.env.git(["config", "ao.branchPrefix", "ao-blocker/"], in: s.repo)
        let before = try s.world()
        let result = try s.ao("spawn", "--no-attach", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "creating the branch")
        #expect(result.stderr.contains("cause: GIT_FAILED"))
    }

    @Test("a failure creating the worktree (its root is a file) removes the new branch too")
    func failAtWorktree() throws {
        let (s, before) = try prepared("rb-worktree")
        defer { s.close() }
        let blocker = s.env.root.appendingPathComponent("a-file")
        try s.env.write("not a directory", to: blocker)
        try s.env.git(["config", "ao.worktreeRoot", blocker.appendingPathComponent("worktrees").path], in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "creating the worktree")
        #expect(result.stderr.contains("deleted branch ao/"))
    }

    @Test("a failure writing the prompt file removes the worktree and the branch")
    func failAtPromptFile() throws {
        let (s, before) = try prepared("rb-promptfile")
        defer { s.close() }
        try s.env.git(["config", "ao.agent.filer.command", "fake-agent --file {prompt_file}"], in: s.repo)
        try s.env.write("in the way", to: s.repo.appendingPathComponent(".git/ao/prompts"))
        let result = try s.ao("spawn", "--no-attach", "--agent", "filer", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "writing the prompt file")
        #expect(result.stderr.contains("removed worktree"))
        #expect(result.stderr.contains("cause: IO_FAILED"))
    }

    @Test("a failure installing the agent's hooks (the branch has a settings file that is not JSON)")
    func failAtAgentHooks() throws {
        let (s, _) = try prepared("rb-agenthooks")
        defer { s.close() }
        try s.env.installScript("claude", FakeAgents.echo)
        try s.env.write("{ this is not json", to: s.repo.appendingPathComponent(".claude/settings.local.json"))
        try s.env.git(["add", "-A"], in: s.repo)
        try s.env.git(["commit", "-q", "-m", "broken settings"], in: s.repo)
        let before = try s.world()
        let result = try s.ao("spawn", "--no-attach", "--agent", "claude-code", "--base", "main", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "installing the agent's hooks")
        #expect(result.stderr.contains("not valid JSON"))
    }

    @Test("a failure starting tmux (the server cannot create its socket)")
    func failAtTmux() throws {
        let (s, before) = try prepared("rb-tmux")
        defer { s.close() }
        let file = s.env.root.appendingPathComponent("not-a-dir")
        try s.env.write("x", to: file)
        let result = try s.ao(arguments: ["spawn", "--no-attach", "--prompt", "second"], environment: ["TMUX_TMPDIR": file.path])
        try expectRolledBack(s, before, result, step: "starting the agent in tmux")
        #expect(result.stderr.contains("cause: RUNTIME_FAILED"))
    }

    @Test("an agent that cannot be executed inside tmux")
    func failAtExec() throws {
        let (s, before) = try prepared("rb-exec")
        defer { s.close() }
        try s.env.installScript("broken-interpreter", "#!/no/such/interpreter\n")
        try s.env.git(["config", "ao.agent.broken.command", "broken-interpreter {prompt}"], in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "--agent", "broken", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "starting the agent in tmux")
        #expect(result.stderr.contains("did not start"))
    }

    @Test("a pasted prompt the agent is never ready for")
    func failAtPromptNeverReady() throws {
        let (s, before) = try prepared("rb-ready")
        defer { s.close() }
        try s.env.git(["config", "ao.agent.paster.readyPattern", "this text never appears"], in: s.repo)
        try s.env.git(["config", "ao.agent.paster.readyTimeout", "1s"], in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "--agent", "paster", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "delivering the prompt")
        #expect(result.stderr.contains("ended tmux session"))
    }

    @Test("a pasted prompt the agent never submits")
    func failAtPromptNotSubmitted() throws {
        let (s, before) = try prepared("rb-deaf")
        defer { s.close() }
        try s.env.git(["config", "ao.agent.deaf.readyPattern", "deaf agent ready"], in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "--agent", "deaf", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "delivering the prompt")
        #expect(result.stderr.contains("cause: DELIVERY_NOT_CONFIRMED"))
    }

    @Test("a failure marking the session spawned (a database trigger refuses the update)")
    func failAtMarkSpawned() throws {
        let (s, before) = try prepared("rb-mark")
        defer { s.close() }
        try s.sql("CREATE TRIGGER fail_mark BEFORE UPDATE OF state ON sessions WHEN NEW.state = 'working' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
        let result = try s.ao("spawn", "--no-attach", "--prompt", "second")
        try expectRolledBack(s, before, result, step: "marking the session spawned")
        #expect(result.stderr.contains("injected failure"))
    }

    @Test("an existing branch is never deleted by a rollback")
    func existingBranchKept() throws {
        let (s, _) = try prepared("rb-existing")
        defer { s.close() }
        try s.env.git(["branch", "keep-me"], in: s.repo)
        try s.sql("CREATE TRIGGER fail_mark BEFORE UPDATE OF state ON sessions WHEN NEW.state = 'working' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
        let before = try s.world()
        let result = try s.ao("spawn", "--no-attach", "--branch", "keep-me")
        try expectRolledBack(s, before, result, step: "marking the session spawned")
        #expect(try s.branches().contains("refs/heads/keep-me"))
    }

    @Test("Ctrl-C during spawn undoes everything and exits 130")
    func interrupted() throws {
        let (s, before) = try prepared("rb-sigint")
        defer { s.close() }
        try s.env.git(["config", "ao.agent.paster.readyPattern", "this text never appears"], in: s.repo)
        let process = Process()
        process.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        process.arguments = ["spawn", "--no-attach", "--agent", "paster", "--prompt", "second"]
        process.environment = s.env.environment
        process.currentDirectoryURL = s.repo
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until the agent is up (its tmux session exists), then interrupt.
        try s.env.eventually("the second tmux session") { try s.tmuxSessions().count == 2 }
        process.interrupt()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("INTERRUPTED"))
        #expect(try s.world() == before)
    }
}

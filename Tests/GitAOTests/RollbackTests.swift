import AOTestSupport
import Foundation
import Platform
import Testing

/// Spawn is all or nothing: a failure injected at each step, with real components failing for
/// real reasons, leaves `git worktree list`, `git branch`, tmux and `git ao status --all` (and
/// git's and git-ao's private folders) exactly as they were.
@Suite("spawn rollback")
struct RollbackTests {
    /// One step of spawn failing for a real reason.
    struct Case: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let label: String
        /// Makes the step fail; runs after the first spawn, before the snapshot.
        let setUp: @Sendable (Scenario) throws -> Void
        let arguments: [String]
        var environment: [String: String] = [:]
        /// The step the error must name; nil when nothing durable existed yet, so the cause is
        /// the error itself.
        let step: String?
        var code = "SPAWN_FAILED"
        /// Text the error must contain (the cause, what the rollback undid).
        let mentions: [String]
        /// A further check of the world afterwards.
        var check: (@Sendable (Scenario) throws -> Bool)? = nil
    }

    static let injectFailedMark = "CREATE TRIGGER fail_mark BEFORE UPDATE OF state ON sessions WHEN NEW.state = 'working' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"

    static let cases: [Case] = [
        Case(testDescription: "a failure recording the session (a database trigger refuses the insert)", label: "rb-seed",
             setUp: { s in try s.sql("CREATE TRIGGER fail_seed BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'injected failure'); END;") },
             arguments: ["--prompt", "second"], step: nil, code: "DATABASE_FAILED", mentions: ["injected failure"]),
        Case(testDescription: "a failure creating the branch (a branch named 'ao' blocks refs/heads/ao/<id>)", label: "rb-branch",
             setUp: { s in
                 try s.env.git(["branch", "ao-blocker"], in: s.repo)
                 try s.env.git(["config", "ao.branchPrefix", "ao-blocker/"], in: s.repo)
             },
             arguments: ["--prompt", "second"], step: "creating the branch", mentions: ["cause: GIT_FAILED"]),
        Case(testDescription: "a failure creating the worktree (its root is a file) removes the new branch too", label: "rb-worktree",
             setUp: { s in
                 let blocker = s.env.root.appendingPathComponent("a-file")
                 try s.env.write("not a directory", to: blocker)
                 try s.env.git(["config", "ao.worktreeRoot", blocker.appendingPathComponent("worktrees").path], in: s.repo)
             },
             arguments: ["--prompt", "second"], step: "creating the worktree", mentions: ["deleted branch ao/"]),
        Case(testDescription: "a failure writing the prompt file removes the worktree and the branch", label: "rb-promptfile",
             setUp: { s in
                 try s.env.git(["config", "ao.agent.filer.command", "fake-agent --file {prompt_file}"], in: s.repo)
                 try s.env.write("in the way", to: s.repo.appendingPathComponent(".git/ao/prompts"))
             },
             arguments: ["--agent", "filer", "--prompt", "second"], step: "writing the prompt file", mentions: ["removed worktree", "cause: IO_FAILED"]),
        Case(testDescription: "a failing setup step (ao.spawn.setup exits 3) removes the copied files, the worktree and the branch", label: "rb-setup",
             setUp: { s in
                 try s.env.write(".env\n", to: s.repo.appendingPathComponent(".git/info/exclude"))
                 try s.env.write("SECRET=1\n", to: s.repo.appendingPathComponent(".env"))
                 try s.env.git(["config", "ao.spawn.include", ".env"], in: s.repo)
                 try s.env.installScript("failing-setup", "#!/bin/sh\necho 'installing'\necho 'boom' >&2\nexit 3\n")
                 try s.env.git(["config", "ao.spawn.setup", "failing-setup --frozen"], in: s.repo)
             },
             arguments: ["--prompt", "second"], step: "running the setup step",
             mentions: ["cause: SETUP_FAILED", "exited with status 3", "-setup.log", "| boom", "removed worktree", "deleted branch ao/"]),
        Case(testDescription: "a failure installing the agent's hooks (the branch has a settings file that is not JSON)", label: "rb-agenthooks",
             setUp: { s in
                 try s.env.installScript("claude", FakeAgents.echo)
                 try s.env.write("{ this is not json", to: s.repo.appendingPathComponent(".claude/settings.local.json"))
                 try s.env.git(["add", "-A"], in: s.repo)
                 try s.env.git(["commit", "-q", "-m", "broken settings"], in: s.repo)
             },
             arguments: ["--agent", "claude-code", "--base", "main", "--prompt", "second"], step: "installing the agent's hooks", mentions: ["not valid JSON"]),
        Case(testDescription: "a failure starting tmux (the server cannot create its socket)", label: "rb-tmux",
             setUp: { s in try s.env.write("x", to: s.env.root.appendingPathComponent("not-a-dir")) },
             arguments: ["--prompt", "second"], environment: ["TMUX_TMPDIR": "<root>/not-a-dir"],
             step: "starting the agent in tmux", mentions: ["cause: RUNTIME_FAILED"]),
        Case(testDescription: "an agent that cannot be executed inside tmux", label: "rb-exec",
             setUp: { s in
                 try s.env.installScript("broken-interpreter", "#!/no/such/interpreter\n")
                 try s.env.git(["config", "ao.agent.broken.command", "broken-interpreter {prompt}"], in: s.repo)
             },
             arguments: ["--agent", "broken", "--prompt", "second"], step: "starting the agent in tmux", mentions: ["did not start"]),
        Case(testDescription: "a pasted prompt the agent is never ready for", label: "rb-ready",
             setUp: { s in
                 try s.env.git(["config", "ao.agent.paster.readyPattern", "this text never appears"], in: s.repo)
                 try s.env.git(["config", "ao.agent.paster.readyTimeout", "1s"], in: s.repo)
             },
             arguments: ["--agent", "paster", "--prompt", "second"], step: "delivering the prompt", mentions: ["ended tmux session"]),
        Case(testDescription: "a pasted prompt the agent never submits", label: "rb-deaf",
             setUp: { s in try s.env.git(["config", "ao.agent.deaf.readyPattern", "deaf agent ready"], in: s.repo) },
             arguments: ["--agent", "deaf", "--prompt", "second"], step: "delivering the prompt", mentions: ["cause: DELIVERY_NOT_CONFIRMED"]),
        Case(testDescription: "a failure marking the session spawned (a database trigger refuses the update)", label: "rb-mark",
             setUp: { s in try s.sql(RollbackTests.injectFailedMark) },
             arguments: ["--prompt", "second"], step: "marking the session spawned", mentions: ["injected failure"]),
        Case(testDescription: "an existing branch is never deleted by a rollback", label: "rb-existing",
             setUp: { s in
                 try s.env.git(["branch", "keep-me"], in: s.repo)
                 try s.sql(RollbackTests.injectFailedMark)
             },
             arguments: ["--branch", "keep-me"], step: "marking the session spawned", mentions: ["injected failure"],
             check: { s in try s.branches().contains("refs/heads/keep-me") }),
    ]

    @Test("a failure at each step leaves the world as it was", arguments: RollbackTests.cases)
    func rollsBack(_ c: Case) throws {
        let s = try Scenario(c.label)
        defer { s.close() }
        _ = try s.spawn("--prompt", "first")
        try c.setUp(s)
        let before = try s.world()
        let environment = c.environment.mapValues { $0.replacingOccurrences(of: "<root>", with: s.env.root.path) }
        let result = try s.ao(arguments: ["spawn", "--no-attach"] + c.arguments, environment: environment)
        expectError(result, c.code, mentioning: c.mentions)
        if let step = c.step {
            #expect(result.stderr.contains(step), "error should name the step '\(step)': \(result.stderr)")
        }
        #expect(try s.world() == before)
        if let check = c.check { #expect(try check(s)) }
    }

    @Test("Ctrl-C during spawn undoes everything and exits 130")
    func interrupted() throws {
        let s = try Scenario("rb-sigint")
        defer { s.close() }
        _ = try s.spawn("--prompt", "first")
        let before = try s.world()
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

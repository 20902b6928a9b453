import AOTestSupport
import Foundation
import Platform
import Testing

/// Every error spawn can report before it creates anything: the right code, exit status, names
/// and hint, and nothing left behind.
@Suite("spawn errors")
struct SpawnErrorTests {
    /// Runs `spawn` expecting `code`, and checks the world did not change.
    func refuse(_ s: Scenario, _ arguments: [String], _ code: String, mentioning words: [String] = [],
                environment: [String: String] = [:], in directory: URL? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try s.world()
        let result = try s.ao(arguments: ["spawn", "--no-attach"] + arguments, in: directory, environment: environment)
        expectError(result, code, mentioning: words, sourceLocation: sourceLocation)
        #expect(try s.world() == before, sourceLocation: sourceLocation)
    }

    @Test("INVALID_BRANCH names the branch")
    func invalidBranch() throws {
        let s = try Scenario("e-branch")
        defer { s.close() }
        try refuse(s, ["--branch", "bad name"], "INVALID_BRANCH", mentioning: ["'bad name'", "check-ref-format"])
        try refuse(s, ["--branch=-x"], "INVALID_BRANCH")
    }

    @Test("BRANCH_CHECKED_OUT_ELSEWHERE names the worktree, including one git made and the main one")
    func checkedOutElsewhere() throws {
        let s = try Scenario("e-checked")
        defer { s.close() }
        let other = s.env.root.appendingPathComponent("by-git")
        try s.env.git(["worktree", "add", "-q", "-b", "taken", other.path], in: s.repo)
        try refuse(s, ["--branch", "taken"], "BRANCH_CHECKED_OUT_ELSEWHERE", mentioning: ["'taken'", other.path])
        try refuse(s, ["--branch", "main"], "BRANCH_CHECKED_OUT_ELSEWHERE", mentioning: [s.repo.path])
    }

    @Test("a branch a live session works on is refused with that session named")
    func branchOfLiveSession() throws {
        let s = try Scenario("e-live")
        defer { s.close() }
        let id = try s.spawn("--branch", "shared")
        try refuse(s, ["--branch", "shared"], "BRANCH_CHECKED_OUT_ELSEWHERE", mentioning: ["'shared'"])
        _ = id
    }

    @Test("BRANCH_NOT_FETCHED for a remote branch or base that was never fetched")
    func notFetched() throws {
        let s = try Scenario("e-fetch")
        defer { s.close() }
        try refuse(s, ["--branch", "origin/never-fetched"], "BRANCH_NOT_FETCHED", mentioning: ["origin/never-fetched", "git fetch origin"])
        try refuse(s, ["--base", "origin/never-fetched"], "BRANCH_NOT_FETCHED", mentioning: ["git fetch origin"])
    }

    @Test("BASE_NOT_FOUND names the base")
    func baseNotFound() throws {
        let s = try Scenario("e-base")
        defer { s.close() }
        try refuse(s, ["--base", "no-such-base"], "BASE_NOT_FOUND", mentioning: ["'no-such-base'"])
    }

    @Test("REPO_HAS_NO_COMMITS in a fresh repository")
    func noCommits() throws {
        let env = try TestEnvironment("e-empty")
        defer { env.close() }
        let repo = env.root.appendingPathComponent("empty")
        try env.git(["init", "-q", repo.path], in: env.root)
        try FakeAgents.install(in: env)
        try FakeAgents.register(in: env, repository: repo)
        let result = try env.ao(["spawn", "--no-attach"], in: repo)
        expectError(result, "REPO_HAS_NO_COMMITS", mentioning: [repo.path, "git commit"])
        #expect(try env.git(["worktree", "list"], in: repo).split(separator: "\n").count == 1)
    }

    @Test("REPO_HAS_NO_COMMITS whatever the unborn branch is called, and wherever init.defaultBranch is set")
    func noCommitsOnAnyBranchName() throws {
        let env = try TestEnvironment("e-unborn")
        defer { env.close() }
        try FakeAgents.install(in: env)
        // `git init -b trunk`: libgit2's own emptiness test expects HEAD to name its default branch.
        let trunk = env.root.appendingPathComponent("trunk")
        try env.git(["init", "-q", "-b", "trunk", trunk.path], in: env.root)
        try FakeAgents.register(in: env, repository: trunk)
        let result = try env.ao(["spawn", "--no-attach", "--agent", "shell"], in: trunk)
        expectError(result, "REPO_HAS_NO_COMMITS", mentioning: [trunk.path])
        #expect(result.status == 5)

        // init.defaultBranch set only in a GIT_CONFIG_GLOBAL file that libgit2 does not read.
        let elsewhere = env.root.appendingPathComponent("global-config")
        try env.write("[init]\n\tdefaultBranch = develop\n", to: elsewhere)
        let develop = env.root.appendingPathComponent("develop")
        #expect(try env.run(["git", "init", "-q", develop.path], in: env.root, environment: ["GIT_CONFIG_GLOBAL": elsewhere.path]).status == 0)
        #expect(try env.git(["symbolic-ref", "HEAD"], in: develop).contains("refs/heads/develop"))
        try FakeAgents.register(in: env, repository: develop)
        let second = try env.ao(["spawn", "--no-attach", "--agent", "shell"], in: develop, environment: ["GIT_CONFIG_GLOBAL": elsewhere.path])
        expectError(second, "REPO_HAS_NO_COMMITS", mentioning: [develop.path])
        #expect(second.status == 5)
        #expect(try env.git(["branch", "--list"], in: develop).isEmpty)
    }

    @Test("NOT_A_GIT_REPOSITORY outside any repository")
    func notARepository() throws {
        let env = try TestEnvironment("e-norepo")
        defer { env.close() }
        let outside = env.root.appendingPathComponent("plain")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let extra = ["GIT_CEILING_DIRECTORIES": env.root.path]
        for command in [["spawn", "--no-attach"], ["status"], ["kill", "x"]] {
            let result = try env.run(["git-ao"] + command, in: outside, environment: extra)
            expectError(result, "NOT_A_GIT_REPOSITORY", mentioning: [outside.path])
        }
    }

    @Test("WORKTREE_PATH_EXISTS names the path")
    func pathExists() throws {
        let s = try Scenario("e-path")
        defer { s.close() }
        let path = s.env.root.appendingPathComponent("repo.ao/feature-x")
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        try refuse(s, ["--branch", "feature/x"], "WORKTREE_PATH_EXISTS", mentioning: [path.path])
    }

    @Test("WORKTREE_ROOT_INSIDE_WORKTREE when ao.worktreeRoot points into a worktree")
    func rootInsideWorktree() throws {
        let s = try Scenario("e-root")
        defer { s.close() }
        try s.env.git(["config", "ao.worktreeRoot", "agents"], in: s.repo)
        try refuse(s, [], "WORKTREE_ROOT_INSIDE_WORKTREE", mentioning: [s.repo.appendingPathComponent("agents").path])
    }

    @Test("AGENT_BINARY_NOT_FOUND names the agent and the program")
    func agentMissing() throws {
        let s = try Scenario("e-agentbin")
        defer { s.close() }
        try s.env.git(["config", "ao.agent.ghost.command", "no-such-agent-binary {prompt}"], in: s.repo)
        try refuse(s, ["--agent", "ghost", "--prompt", "x"], "AGENT_BINARY_NOT_FOUND", mentioning: ["'ghost'", "'no-such-agent-binary'"])
        // A built-in whose program is not installed.
        try refuse(s, ["--agent", "codex"], "AGENT_BINARY_NOT_FOUND", mentioning: ["'codex'"])
    }

    @Test("RUNTIME_PREREQUISITE_MISSING when tmux is not on PATH")
    func tmuxMissing() throws {
        let s = try Scenario("e-tmux")
        defer { s.close() }
        // A PATH with git, bash and the fake agents, but no tmux.
        let bin = s.env.root.appendingPathComponent("no-tmux-bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for tool in ["git", "bash", "env", "sh"] {
            try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(tool).path, withDestinationPath: "/usr/bin/\(tool)")
        }
        let path = "\(bin.path):\(s.env.binDirectory.path):\(TestEnvironment.productsDirectory.path)"
        try refuse(s, [], "RUNTIME_PREREQUISITE_MISSING", mentioning: ["tmux", "apt-get install tmux"], environment: ["PATH": path])
    }

    @Test("UNKNOWN_AGENT, AGENT_TAKES_NO_PROMPT and AGENT_COMMAND_INVALID are usage errors")
    func agentUsage() throws {
        let s = try Scenario("e-agent")
        defer { s.close() }
        try refuse(s, ["--agent", "nobody"], "UNKNOWN_AGENT", mentioning: ["'nobody'", "claude-code", "fake"])
        try refuse(s, ["--agent", "shell", "--prompt", "rm -rf /"], "AGENT_TAKES_NO_PROMPT", mentioning: ["'shell'"])
        try s.env.git(["config", "ao.agent.broken.command", "agent 'unclosed {prompt}"], in: s.repo)
        try refuse(s, ["--agent", "broken"], "AGENT_COMMAND_INVALID", mentioning: ["ao.agent.broken.command", "quote"])
    }

    @Test("INVALID_CONFIG names the key and its value")
    func invalidConfig() throws {
        let s = try Scenario("e-config")
        defer { s.close() }
        try s.env.git(["config", "ao.branchPrefix", "bad prefix/"], in: s.repo)
        try refuse(s, [], "INVALID_CONFIG", mentioning: ["ao.branchPrefix", "'bad prefix/'"])
    }

    @Test("NAME_IN_USE names the live session that has the name")
    func nameInUse() throws {
        let s = try Scenario("e-name")
        defer { s.close() }
        let first = try s.spawn("--name", "login-fix")
        try refuse(s, ["--name", "login-fix"], "NAME_IN_USE", mentioning: ["'login-fix'", first])
    }

    @Test("BRANCH_AMBIGUOUS when two remotes have the branch, unless checkout.defaultRemote picks one")
    func ambiguousRemote() throws {
        let s = try Scenario("e-ambiguous")
        defer { s.close() }
        try s.env.git(["branch", "shared-topic"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "shared-topic"], in: s.repo)
        try s.env.addOrigin(to: s.repo, name: "upstream")
        try s.env.git(["branch", "-D", "shared-topic"], in: s.repo)
        try refuse(s, ["--branch", "shared-topic"], "BRANCH_AMBIGUOUS", mentioning: ["origin", "upstream"])
        try s.env.git(["config", "checkout.defaultRemote", "upstream"], in: s.repo)
        let id = try s.spawn("--branch", "shared-topic")
        #expect(try s.env.git(["rev-parse", "--abbrev-ref", "shared-topic@{upstream}"], in: s.repo) == "upstream/shared-topic\n")
        _ = id
    }

    @Test("INVALID_ARGUMENT for prompts an agent cannot take, with JSON errors on stderr under --json")
    func invalidPrompt() throws {
        let s = try Scenario("e-prompt")
        defer { s.close() }
        let binary = s.env.root.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9]).write(to: binary)
        try refuse(s, ["--prompt-file", binary.path], "INVALID_ARGUMENT", mentioning: ["UTF-8"])
        try refuse(s, ["--prompt-file", "/no/such/file"], "INVALID_ARGUMENT", mentioning: ["/no/such/file"])
        let json = try s.ao("spawn", "--no-attach", "--json", "--prompt-file", "/no/such/file")
        #expect(json.stdout.isEmpty)
        let object = try JSONSerialization.jsonObject(with: Data(json.stderr.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "INVALID_ARGUMENT")
        #expect(error?["exit_status"] as? Int == 64)
        #expect((error?["hint"] as? String)?.isEmpty == false)

        // Usage errors from argument parsing exit 64 too, and are JSON under --json.
        let both = try s.ao("spawn", "--no-attach", "--json", "--prompt", "a", "--prompt-file", "b")
        #expect(both.status == 64)
        #expect(both.errorCode == "INVALID_ARGUMENT")
    }

    @Test("UNSAFE_REPOSITORY for a repository owned by someone else", .enabled(if: getuid() == 0, "needs root to chown"))
    func unsafeRepository() throws {
        let s = try Scenario("e-unsafe")
        defer { s.close() }
        #expect(chown(s.repo.path, 65534, 65534) == 0)
        defer { _ = chown(s.repo.path, 0, 0) }
        let result = try s.env.run(["git-ao", "spawn", "--no-attach"], in: s.repo)
        expectError(result, "UNSAFE_REPOSITORY", mentioning: ["safe.directory"])
    }

    @Test("libgit2 reads the global config git reads: safe.directory set only through GIT_CONFIG_GLOBAL", .enabled(if: getuid() == 0, "needs root to chown"))
    func globalConfigThroughEnvironment() throws {
        let s = try Scenario("e-global")
        defer { s.close() }
        #expect(chown(s.repo.path, 65534, 65534) == 0)
        defer { _ = chown(s.repo.path, 0, 0) }
        let elsewhere = s.env.root.appendingPathComponent("config-elsewhere/.gitconfig")
        try FileManager.default.createDirectory(at: elsewhere.deletingLastPathComponent(), withIntermediateDirectories: true)
        try s.env.write((s.env.read(s.env.home.appendingPathComponent(".gitconfig")) ?? "") + "[safe]\n\tdirectory = \(s.repo.path)\n", to: elsewhere)
        #expect(try s.env.run(["git", "status", "--short"], in: s.repo, environment: ["GIT_CONFIG_GLOBAL": elsewhere.path]).succeeded)
        // git trusts the repository, so git-ao must too: the next problem is the base.
        let result = try s.env.run(["git-ao", "spawn", "--no-attach", "--base", "no-such-base"], in: s.repo,
                                   environment: ["GIT_CONFIG_GLOBAL": elsewhere.path])
        expectError(result, "BASE_NOT_FOUND", mentioning: ["'no-such-base'"])

        // A global file under another name, with git's `*` (neither of which libgit2 1.5.1 reads):
        // git is asked, and git-ao trusts what git trusts.
        let named = s.env.root.appendingPathComponent("config-elsewhere/work-config")
        try s.env.write((s.env.read(s.env.home.appendingPathComponent(".gitconfig")) ?? "") + "[safe]\n\tdirectory = *\n", to: named)
        let wildcard = try s.env.run(["git-ao", "spawn", "--no-attach", "--base", "no-such-base"], in: s.repo,
                                     environment: ["GIT_CONFIG_GLOBAL": named.path])
        expectError(wildcard, "BASE_NOT_FOUND", mentioning: ["'no-such-base'"])
    }
}

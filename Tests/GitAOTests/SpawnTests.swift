import AOTestSupport
import Foundation
import Platform
import Testing

@Suite("spawn", .serialized)
struct SpawnTests {
    @Test("spawn creates a worktree git accepts, a session and a running agent")
    func spawnCreatesEverything() throws {
        let s = try Scenario("spawn")
        defer { s.close() }
        let id = try s.spawn("--prompt", "fix the bug")

        #expect(id.count == 6)
        let session = try s.session(id)
        #expect(session["status"] as? String == "working")
        #expect(session["branch"] as? String == "ao/\(id)")
        #expect(session["base_ref"] as? String == "origin/main")
        #expect(try s.tmuxSessions() == ["ao-\(id)"])

        // The real git CLI accepts the worktree.
        let path = try s.worktreePath(of: id)
        let listed = try s.worktrees()
        #expect(listed.contains { $0.path == path.path && $0.branch == "ao/\(id)" })
        #expect(try s.env.git(["status", "--porcelain"], in: path) == "")
        #expect(try s.env.git(["rev-parse", "--abbrev-ref", "HEAD"], in: path) == "ao/\(id)\n")
        let fsck = try s.env.run(["git", "fsck", "--no-progress"], in: s.repo)
        #expect(fsck.succeeded && fsck.stderr.isEmpty, "\(fsck)")

        // The agent got its prompt and ran in the worktree with the session environment.
        try FakeAgents.waitForStart(id, in: s.env)
        #expect(FakeAgents.arguments(of: id, in: s.env) == ["--task", "fix the bug", "--session", id])
        let agentEnv = FakeAgents.environment(of: id, in: s.env) ?? [:]
        #expect(agentEnv["AO_SESSION_ID"] == id)
        #expect(agentEnv["AO_REPO"] == s.repo.appendingPathComponent(".git").path)
        #expect(s.env.read(s.env.outputDirectory.appendingPathComponent("\(id).cwd")) == path.path + "\n")

        // `git worktree remove` works on it once the agent is gone.
        #expect(try s.ao("kill", id).succeeded)
    }

    @Test("git worktree remove accepts a git-ao worktree")
    func gitWorktreeRemoveWorks() throws {
        let s = try Scenario("wtremove")
        defer { s.close() }
        let id = try s.spawn()
        let path = try s.worktreePath(of: id)
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        let removed = try s.env.run(["git", "worktree", "remove", path.path], in: s.repo)
        #expect(removed.succeeded, "\(removed)")
        #expect(!FileManager.default.fileExists(atPath: path.path))
    }
}

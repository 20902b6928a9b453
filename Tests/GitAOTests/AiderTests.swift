import AOTestSupport
import Foundation
import Testing

/// The built-in aider agent against a stand-in drawn from aider's real screens (FakeAider): its
/// files, its startup question, its prompt, its conversation across kill and restore.
@Suite("aider agent", .serialized)
struct AiderTests {
    func scenario(_ label: String, files: [String: String] = ["README.md": "hello\n"]) throws -> Scenario {
        let s = try Scenario(label, files: files)
        try FakeAider.install(in: s.env)
        return s
    }

    func history(_ worktree: URL, _ s: Scenario) -> String {
        s.env.read(worktree.appendingPathComponent(".aider.chat.history.md")) ?? ""
    }

    @Test("aider's own files are excluded at spawn: no question, a clean worktree, kill removes it")
    func ownFilesExcluded() throws {
        let s = try scenario("aider-files")
        defer { s.close() }
        let id = try s.spawn("--agent", "aider", "--prompt", "task one")
        try s.env.eventually("aider to take its task") { FakeAgents.received(by: id, in: s.env) == ["task one"] }
        #expect(FakeAgents.arguments(of: id, in: s.env) == ["--no-show-release-notes"])
        let exclude = s.env.read(s.repo.appendingPathComponent(".git/info/exclude")) ?? ""
        #expect(exclude.split(separator: "\n").contains(".aider*"), "\(exclude)")
        let worktree = try s.worktreePath(of: id)
        #expect(FileManager.default.fileExists(atPath: worktree.appendingPathComponent(".aider.tags.cache.v4").path))
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == "")
        // A second spawn does not add the pattern twice.
        let other = try s.spawn("--agent", "aider", "--prompt", "task two")
        #expect((s.env.read(s.repo.appendingPathComponent(".git/info/exclude")) ?? "").components(separatedBy: "\n.aider*\n").count == 2)

        let kill = try s.ao("kill", id)
        #expect(kill.stdout.contains("Removed its worktree"), "\(kill)")
        #expect(!FileManager.default.fileExists(atPath: worktree.path))
        try s.ao("kill", other)
    }

    @Test("kill keeps aider's conversation and restore resumes it; with nothing kept restore says it starts afresh")
    func conversationSurvives() throws {
        let s = try scenario("aider-restore")
        defer { s.close() }
        let id = try s.spawn("--agent", "aider", "--prompt", "remember the plan")
        try s.env.eventually("aider to take its task") { FakeAgents.received(by: id, in: s.env) == ["remember the plan"] }
        let worktree = try s.worktreePath(of: id)
        #expect(history(worktree, s).contains("#### remember the plan"))
        #expect(try s.ao("kill", id).succeeded)
        #expect(!FileManager.default.fileExists(atPath: worktree.path))
        let saved = s.repo.appendingPathComponent(".git/ao/sessions/\(id)/.aider.chat.history.md")
        #expect(s.env.read(saved)?.contains("#### remember the plan") == true)

        let restore = try s.ao("restore", id)
        #expect(restore.succeeded, "\(restore)")
        #expect(restore.stderr.contains("resuming the agent's conversation"), "\(restore)")
        try s.env.eventually("aider to restart") { FakeAgents.arguments(of: id, in: s.env)?.contains("--restore-chat-history") == true }
        #expect(history(worktree, s).contains("#### remember the plan"))
        #expect(FakeAgents.received(by: id, in: s.env) == ["remember the plan"], "the task is not pasted again")
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == "")

        // Nothing to resume: restore starts afresh with the saved prompt, and says so.
        #expect(try s.ao("kill", id).succeeded)
        try FileManager.default.removeItem(at: s.repo.appendingPathComponent(".git/ao/sessions/\(id)"))
        try FileManager.default.removeItem(at: s.env.outputDirectory.appendingPathComponent("\(id).received"))
        let fresh = try s.ao("restore", id)
        #expect(fresh.succeeded, "\(fresh)")
        #expect(fresh.stderr.contains("starting the agent again with its saved prompt"), "\(fresh)")
        #expect(FakeAgents.arguments(of: id, in: s.env) == ["--no-show-release-notes"])
        #expect(FakeAgents.received(by: id, in: s.env) == ["remember the plan"])
        try s.ao("kill", id)
    }

    @Test("a startup question fails spawn with AGENT_ASKED_A_QUESTION, quoted, and undoes everything")
    func startupQuestion() throws {
        // A .env on the branch that nothing ignores: aider asks to add it to .gitignore.
        let s = try scenario("aider-question", files: ["README.md": "hello\n", ".env": "TOKEN=x\n"])
        defer { s.close() }
        _ = try s.ao("status")
        let before = try s.world()
        let result = try s.ao("spawn", "--no-attach", "--agent", "aider", "--prompt", "the task")
        expectError(result, "AGENT_ASKED_A_QUESTION", mentioning: ["Add .aider* to .gitignore (recommended)? (Y)es/(N)o [Yes]:", "AIDER_YES_ALWAYS", ".gitignore"])
        #expect(try s.world() == before)
    }

    @Test("send waits for aider's prompt: AGENT_BUSY when it does not come, --queue delivers once it is back")
    func sendWaitsForPrompt() throws {
        let s = try scenario("aider-busy")
        defer { s.close() }
        try s.env.git(["config", "ao.agent.aider.readyTimeout", "1s"], in: s.repo)
        let busy = ["FAKE_AIDER_BUSY": "6"]
        let id = try s.spawn("--agent", "aider", "--prompt", "long task", environment: busy)
        try s.env.eventually("aider to take its task") { FakeAgents.received(by: id, in: s.env) == ["long task"] }
        expectError(try s.ao("send", id, "too early"), "AGENT_BUSY", mentioning: ["--queue", id])
        let queued = try s.ao("send", "--queue", id, "after the task")
        #expect(queued.succeeded, "\(queued)")
        #expect(FakeAgents.received(by: id, in: s.env) == ["long task"])
        try s.env.eventually("the queued message to be delivered at the prompt", timeout: 30) {
            try s.ao("observe")
            return FakeAgents.received(by: id, in: s.env) == ["long task", "after the task"]
        }
        try s.ao("kill", id)
    }

    @Test("kill keeps the worktree when aider's conversation cannot be saved first")
    func conversationNotSavable() throws {
        let s = try scenario("aider-nosave")
        defer { s.close() }
        let id = try s.spawn("--agent", "aider", "--prompt", "keep me")
        try s.env.eventually("aider to take its task") { FakeAgents.received(by: id, in: s.env) == ["keep me"] }
        // A file where the sessions folder should be: nothing can be saved there.
        try s.env.write("in the way\n", to: s.repo.appendingPathComponent(".git/ao/sessions"))
        let kill = try s.ao("kill", id)
        #expect(kill.succeeded, "\(kill)")
        #expect(kill.stdout.contains("Kept its worktree"), "\(kill)")
        #expect(kill.stdout.contains("conversation could not be saved"), "\(kill)")
        let worktree = try s.worktreePath(of: id)
        #expect(history(worktree, s).contains("#### keep me"))
    }

    @Test("a still screen while aider works is working, not idle; its prompt is idle; its question is needs_input")
    func stillScreenIsWorking() throws {
        let s = try scenario("aider-still")
        defer { s.close() }
        // Like a long model wait without aider's spinner (--no-pretty): nothing moves on screen.
        let id = try s.spawn("--agent", "aider", "--prompt", "slow task", environment: ["FAKE_AIDER_BUSY": "8"])
        try s.env.eventually("aider to take its task") { FakeAgents.received(by: id, in: s.env) == ["slow task"] }
        for _ in 0..<3 { try s.observe() }
        #expect(try s.session(id)["status"] as? String == "working", "unchanged for three passes, but not at its prompt")
        try s.env.eventually("aider back at its prompt, idle", timeout: 30) {
            try s.observe()
            return try s.session(id)["status"] as? String == "idle"
        }
        try s.ao("kill", id)

        // A question after a task: needs_input; send answers it (a question does not hold send).
        let asking = try s.spawn("--agent", "aider", "--prompt", "make a file", environment: ["FAKE_AIDER_CONFIRM": "1"])
        try s.env.eventually("aider's question to be seen", timeout: 30) {
            try s.observe()
            return try s.session(asking)["status"] as? String == "needs_input"
        }
        #expect(try s.ao("send", asking, "y").succeeded)
        #expect(s.env.read(s.env.outputDirectory.appendingPathComponent("\(asking).answers")) == "y\n")
        try s.env.eventually("aider idle after the answer", timeout: 30) {
            try s.observe()
            return try s.session(asking)["status"] as? String == "idle"
        }
        try s.ao("kill", asking)
    }
}

import AOTestSupport
import Foundation
import Testing

/// The real aider, pinned to aider-chat 0.86.2, under git-ao from spawn to cleanup, against a
/// loopback OpenAI-compatible server (Tests/Fixtures/fake_openai.py) that answers with real
/// aider edits in the `whole` format. `./install.sh --with-test-agents` installs aider where this
/// test looks (`.build/test-agents/aider`); without it the test is skipped, and says so.
@Suite("real aider", .serialized)
struct RealAiderTests {
    static let pinnedVersion = "0.86.2"
    static let venv = TestEnvironment.packageRoot.appendingPathComponent(".build/test-agents/aider")
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/aider").path) }

    /// The loopback model server, stopped at the end of the test.
    final class ModelServer {
        let process = Process()
        let log: URL
        let port: Int

        init(env: TestEnvironment) throws {
            log = env.root.appendingPathComponent("model-requests.jsonl")
            process.executableURL = RealAiderTests.venv.appendingPathComponent("bin/python")
            process.arguments = [TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/fake_openai.py").path, "0"]
            process.environment = ["FAKE_LOG": log.path, "PATH": "/usr/bin:/bin"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // It prints the port it listens on, then serves.
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
            guard let port = Int(String(decoding: line, as: UTF8.self)) else { process.terminate(); throw TestFailure("the model server did not start") }
            self.port = port
        }

        /// SIGKILL: the test process's blocked signal mask is inherited, so SIGTERM would stay pending.
        func stop() { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }

        /// The requests so far: (kind, last user message, every user message).
        func requests() -> [(kind: String, user: String, users: [String])] {
            guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                return (object["kind"] as? String ?? "", object["user"] as? String ?? "", object["users"] as? [String] ?? [])
            }
        }

        func tasks() -> [(kind: String, user: String, users: [String])] { requests().filter { $0.kind == "task" } }
    }

    @Test("aider end to end: multi-line spawn prompt, auto-commit recorded, send, idle, startup question, kill, restore, cleanup",
          .enabled(if: RealAiderTests.installed, "aider-chat 0.86.2 is not installed: run ./install.sh --with-test-agents to run the real-aider test"))
    func endToEnd() throws {
        let s = try Scenario("real-aider", files: ["README.md": "hello\n", "notes.txt": "notes\n"])
        defer { s.close() }
        let version = try s.env.run([RealAiderTests.venv.appendingPathComponent("bin/aider").path, "--version"])
        try #require(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "aider \(RealAiderTests.pinnedVersion)", "\(version)")
        let server = try ModelServer(env: s.env)
        defer { server.stop() }
        // aider as a user would configure it, through its environment variables; no network.
        s.env.environment["PATH"] = RealAiderTests.venv.appendingPathComponent("bin").path + ":" + (s.env.environment["PATH"] ?? "")
        for (key, value) in ["OPENAI_API_KEY": "test-key", "OPENAI_API_BASE": "http://127.0.0.1:\(server.port)/v1",
                             "AIDER_MODEL": "openai/gpt-4o-mini", "AIDER_EDIT_FORMAT": "whole", "AIDER_CHECK_UPDATE": "false",
                             "AIDER_ANALYTICS_DISABLE": "true", "AIDER_FILE": "notes.txt", "AIDER_SHOW_MODEL_WARNINGS": "false",
                             "LITELLM_LOCAL_MODEL_COST_MAP": "True"] {
            s.env.environment[key] = value
        }
        try s.env.git(["config", "ao.agent.aider.readyTimeout", "90s"], in: s.repo)
        try s.ao("init")
        // notes.txt is in aider's chat from the start (AIDER_FILE), so each task is one request
        // plus one for its commit message; aider confirms its own edits.
        let yes = ["AIDER_YES_ALWAYS": "true"]

        // A multi-line spawn prompt is one request, and its edit is committed and recorded.
        let spawn = try s.ao(arguments: ["spawn", "--no-attach", "--agent", "aider", "-"], input: "line one\nline two\nline three\n", environment: yes)
        try #require(spawn.succeeded, "\(spawn)")
        let id = spawn.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let worktree = try s.worktreePath(of: id)
        try s.env.eventually("aider's auto-commit", timeout: 90) {
            try s.env.git(["log", "--format=%s", "origin/main..HEAD"], in: worktree).contains("Record the task")
        }
        #expect(server.tasks().count == 1, "\(server.requests())")
        #expect(server.tasks().first?.user.contains("line one\nline two\nline three") == true, "\(server.requests())")
        #expect(s.env.read(worktree.appendingPathComponent("notes.txt"))?.contains("task 1: line one") == true)
        try s.env.eventually("the post-commit record", timeout: 30) { try s.eventKinds(id).contains("commit") }
        // aider's own files (history, tags cache) do not make the worktree dirty.
        #expect(FileManager.default.fileExists(atPath: worktree.appendingPathComponent(".aider.chat.history.md").path))
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == "")

        // At its prompt again: idle, judged by the prompt pattern.
        try s.env.eventually("aider idle at its prompt", timeout: 60) {
            try s.observe()
            return try s.session(id)["status"] as? String == "idle"
        }

        // send: a multi-line message is one request too.
        let send = try s.ao(arguments: ["send", id, "-"], input: "second task\nwith two lines\n", environment: yes)
        #expect(send.succeeded, "\(send)")
        try s.env.eventually("the second task's commit", timeout: 90) {
            try s.env.git(["log", "--format=%s", "origin/main..HEAD"], in: worktree).split(separator: "\n").count == 2
        }
        #expect(server.tasks().count == 2, "\(server.requests())")
        #expect(server.tasks().last?.user.contains("second task\nwith two lines") == true, "\(server.requests())")

        // kill removes the clean worktree and keeps the conversation; restore resumes it.
        let kill = try s.ao("kill", id)
        #expect(kill.stdout.contains("Removed its worktree"), "\(kill)")
        #expect(s.env.read(s.repo.appendingPathComponent(".git/ao/sessions/\(id)/.aider.chat.history.md"))?.contains("line one") == true)
        let restore = try s.ao(arguments: ["restore", id], environment: yes)
        #expect(restore.succeeded, "\(restore)")
        #expect(restore.stderr.contains("resuming the agent's conversation"), "\(restore)")
        #expect(s.env.read(worktree.appendingPathComponent(".aider.chat.history.md"))?.contains("line one") == true)
        let third = try s.ao(arguments: ["send", id, "third task"], environment: yes)
        #expect(third.succeeded, "\(third)")
        try s.env.eventually("the third request", timeout: 90) { server.tasks().count == 3 }
        // The restored conversation went to the model with the new task.
        #expect(server.tasks().last?.users.contains { $0.contains("line one") } == true, "\(server.requests())")
        try s.env.eventually("the third task's commit", timeout: 60) {
            try s.env.git(["log", "--format=%s", "origin/main..HEAD"], in: worktree).split(separator: "\n").count == 3
        }

        // cleanup, once the work is pushed: nothing is left behind.
        #expect(try s.ao("kill", id).succeeded)
        try s.env.git(["push", "-q", "-u", "origin", "ao/\(id)"], in: s.repo)
        let cleanup = try s.ao("cleanup", "-y")
        #expect(cleanup.stdout.contains("removed \(id)"), "\(cleanup)")
        #expect(try s.tmuxSessions().isEmpty)
        #expect(try !s.worktrees().contains { $0.branch == "ao/\(id)" })

        // The startup question: a .env nothing ignores makes aider ask before taking a task.
        try s.env.write("TOKEN=x\n", to: s.repo.appendingPathComponent(".env"))
        try s.env.git(["add", ".env"], in: s.repo)
        try s.env.git(["commit", "-q", "-m", "env"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "main"], in: s.repo)
        let before = try s.world()
        let asked = try s.ao("spawn", "--no-attach", "--agent", "aider", "--prompt", "never delivered")
        expectError(asked, "AGENT_ASKED_A_QUESTION", mentioning: ["Add .env to .gitignore (recommended)? (Y)es/(N)o [Yes]:"])
        #expect(try s.world() == before)
        #expect(server.tasks().count == 3)
    }
}

import AOTestSupport
import Foundation
import Testing

/// Local conflict prediction: git merge-tree, no GitHub, no token.
@Suite("local conflict prediction")
struct ConflictPredictionTests {
    @Test("a branch that conflicts with its base shows the paths and the agent is asked to rebase once per episode",
          .timeLimit(.minutes(15)))
    func predicted() throws {
        let s = try Scenario("conflict-local", files: ["README.md": "hello\n", "other.txt": "x\n"])
        defer { s.close() }
        let id = try s.spawn()
        try FakeAgents.waitForStart(id, in: s.env)
        let worktree = try s.worktreePath(of: id)
        // The agent's change.
        try s.env.write("hello from the agent\n", to: worktree.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "agent"], in: worktree)
        try s.observe()
        #expect(try s.session(id)["conflict_paths"] == nil, "no conflict yet")

        // The base moves with a conflicting change, as fetched from origin.
        try s.env.write("hello from main\n", to: s.repo.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "main"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "main"], in: s.repo)
        try s.env.git(["fetch", "-q", "origin"], in: s.repo)
        let before = try s.env.git(["status", "--porcelain"], in: worktree)
        try s.observe()
        let session = try s.session(id)
        #expect(session["conflict_paths"] as? [String] == ["README.md"])
        #expect(session["conflict_base"] as? String == "origin/main")
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == before, "no worktree was touched")
        #expect(try s.ao("show", id).stdout.contains("conflict:  with origin/main in README.md"))
        let received = { FakeAgents.received(by: id, in: s.env).joined(separator: "\n") }
        #expect(received().contains("Rebase onto origin/main") && received().contains("- README.md"))
        // Same episode: not asked again.
        try s.observe()
        #expect(received().components(separatedBy: "Rebase onto").count == 2)

        // The agent rebases: the episode ends; a new conflict is a new episode.
        try s.env.git(["reset", "-q", "--hard", "origin/main"], in: worktree)
        try s.observe()
        #expect(try s.session(id)["conflict_paths"] == nil)
        try s.env.write("agent again\n", to: worktree.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "agent 2"], in: worktree)
        try s.env.write("main again\n", to: s.repo.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "main 2"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "main"], in: s.repo)
        try s.env.git(["fetch", "-q", "origin"], in: s.repo)
        try s.observe()
        #expect(received().components(separatedBy: "Rebase onto").count == 3)
    }

    @Test("watch --fetch brings a base that moved on the server in, and the conflict shows", .timeLimit(.minutes(15)))
    func watchFetch() throws {
        let s = try Scenario("conflict-fetch")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        try s.env.write("agent\n", to: worktree.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "agent"], in: worktree)
        // Someone else pushes a conflicting change; this repository has not fetched it.
        let origin = try s.env.git(["remote", "get-url", "origin"], in: s.repo).trimmingCharacters(in: .whitespacesAndNewlines)
        let other = s.env.root.appendingPathComponent("other")
        try s.env.git(["clone", "-q", origin, other.path], in: s.env.root)
        try s.env.write("someone else\n", to: other.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "other"], in: other)
        try s.env.git(["push", "-q", "origin", "HEAD:main"], in: other)
        try s.observe()
        #expect(try s.session(id)["conflict_paths"] == nil, "not fetched yet")

        let output = s.env.root.appendingPathComponent("watch.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let watch = Process()
        watch.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        watch.arguments = ["watch", "--fetch", "--interval", "300ms"]
        watch.environment = s.env.environment
        watch.currentDirectoryURL = s.repo
        watch.standardOutput = try FileHandle(forWritingTo: output)
        watch.standardError = watch.standardOutput
        try watch.run()
        defer { if watch.isRunning { watch.terminate(); watch.waitUntilExit() } }
        try s.env.eventually("the conflict to be predicted", timeout: 30) {
            (try? s.session(id)["conflict_paths"] as? [String]) == ["README.md"]
        }
    }
}

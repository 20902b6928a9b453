import AOTestSupport
import Foundation
import Testing

/// Issue 7, item 3 (an abandoned spawn stops what it started) and the kill bullets of item 8.
@Suite("abandoned spawns and true kill messages")
struct AbandonedSpawnTests {
    /// A spawn left waiting for an agent that never shows its ready pattern, run as a separate
    /// git-ao process (not through git, so its pid is git-ao's own).
    final class SlowSpawn {
        let process = Process()
        let stderr: URL

        init(_ s: Scenario) throws {
            try s.env.git(["config", "ao.agent.paster.readyPattern", "a pattern that never appears"], in: s.repo)
            try s.env.git(["config", "ao.agent.paster.readyTimeout", "60s"], in: s.repo)
            stderr = s.env.root.appendingPathComponent("spawn-\(UUID().uuidString.prefix(6)).err")
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            process.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
            process.arguments = ["spawn", "--no-attach", "--agent", "paster", "--prompt", "a task"]
            process.environment = s.env.environment
            process.currentDirectoryURL = s.repo
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: stderr)
            try process.run()
        }

        /// Waits until the session is seeded and its agent runs in tmux; returns its id.
        func waitUntilStarting(_ s: Scenario) throws -> String {
            var id = ""
            try s.env.eventually("the spawn to start its agent", timeout: 30) {
                guard let found = try s.sessions().first(where: { ($0.value["status"] as? String) == "spawning" })?.key else { return false }
                id = found
                return try s.tmuxSessions().contains("ao-\(found)")
            }
            return id
        }

        var errorText: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
    }

    @Test("a pass undoes an abandoned spawn: its tmux session, its clean worktree and its untouched branch go", .timeLimit(.minutes(15)))
    func abandonedSpawnUndone() throws {
        let s = try Scenario("abandoned")
        defer { s.close() }
        let before = try s.world()
        let spawn = try SlowSpawn(s)
        let id = try spawn.waitUntilStarting(s)
        kill(spawn.process.processIdentifier, SIGKILL)
        spawn.process.waitUntilExit()
        #expect(try s.tmuxSessions() == ["ao-\(id)"], "the agent outlived its spawn")

        Thread.sleep(forTimeInterval: 5.2)  // spawns younger than 5 s are left alone
        let pass = try s.observe()
        _ = pass
        #expect(try s.tmuxSessions().isEmpty, "its tmux session must be ended")
        let after = try s.world()
        #expect(after.worktrees == before.worktrees)
        #expect(after.branches == before.branches)
        let session = try s.session(id)
        #expect(session["terminal_reason"] as? String == "spawn_failed")
        #expect(session["cleaned_at"] as? String != nil)
        #expect(try s.eventKinds(id).suffix(2) == ["spawn_failed", "spawn_undone"])
        // Nothing is left for cleanup to trip over.
        #expect(try s.ao("cleanup", "-y").stdout.contains("Nothing to clean up"))
    }

    @Test("what a spawn killed inside libgit2's worktree add left in .git/worktrees is removed by the pass that undoes it")
    func halfMadeWorktree() throws {
        let s = try Scenario("abandoned-add")
        defer { s.close() }
        let first = try s.spawn()
        let socket = try #require(try s.session(first)["tmux_socket"] as? String)
        let old = Int(Date().timeIntervalSince1970 * 1000) - 60_000
        let path = s.env.root.appendingPathComponent("repo.ao/ao-zz2345").path
        try s.sql("INSERT INTO sessions (id, branch, base_ref, base_sha, worktree_path, agent, tmux_name, tmux_socket, created_at, updated_at, state, spawn_pid) VALUES ('zz2345', 'ao/zz2345', 'main', 'x', '\(path)', 'fake', 'ao-zz2345', '\(socket)', \(old), \(old), 'not_started', 2147483000)")
        // What a SIGKILL right after libgit2's mkdir leaves: an empty entry, a minute old.
        let admin = s.repo.appendingPathComponent(".git/worktrees/ao-zz2345")
        try FileManager.default.createDirectory(at: admin, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: admin.path)
        let prune = try s.env.run(["git", "worktree", "prune", "-n", "-v"], in: s.repo)
        #expect(prune.stdout.contains("ao-zz2345") || prune.stderr.contains("ao-zz2345"), "git sees it as garbage: \(prune)")

        let pass = try s.observe()
        #expect(!FileManager.default.fileExists(atPath: admin.path), "\(pass)")
        #expect(try s.session("zz2345")["terminal_reason"] as? String == "spawn_failed")
        #expect(try s.env.run(["git", "worktree", "prune", "-n", "-v"], in: s.repo).stderr.isEmpty)
        #expect(try s.ao("spawn", "--no-attach").succeeded)
    }

    @Test("kill during a spawn stops the spawn, which removes what it created and says it was interrupted", .timeLimit(.minutes(15)))
    func killDuringSpawn() throws {
        let s = try Scenario("kill-spawning")
        defer { s.close() }
        let before = try s.world()
        let spawn = try SlowSpawn(s)
        let id = try spawn.waitUntilStarting(s)
        // While it spawns, text typed into it could end up in its prompt, and an agent's signal
        // does not make it look spawned.
        expectError(try s.ao("send", id, "too early"), "SESSION_NOT_RUNNING", mentioning: ["still being spawned", "--queue"])
        expectError(try s.ao("send", "--key", "Enter", id), "SESSION_NOT_RUNNING", mentioning: ["still being spawned"])
        #expect(try s.signal(id, "active", agent: "paster").succeeded)
        #expect(try s.session(id)["status"] as? String == "spawning")
        let killed = try s.ao("kill", id)
        spawn.process.waitUntilExit()
        #expect(killed.succeeded, "\(killed)")
        #expect(killed.stdout.contains("Stopped the spawn of session \(id)"), "\(killed)")
        #expect(!killed.stdout.contains("Branch"), "no claim about a branch the spawn's undo deletes")
        #expect(spawn.process.terminationStatus == 130)
        #expect(spawn.errorText.contains("INTERRUPTED"), "\(spawn.errorText)")
        #expect(!spawn.errorText.contains("could not read the screen"), "\(spawn.errorText)")
        #expect(try s.world() == before)
    }

    @Test("four kills of one session at once: one removes the worktree, the others say it was already done")
    func parallelKills() throws {
        // Enough files that removing the worktree takes a while: the kills overlap with it.
        var files: [String: String] = [:]
        for i in 0..<3000 { files["src/\(i % 30)/file\(i).txt"] = "line \(i)\n" }
        let s = try Scenario("kill-parallel", files: files)
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        let results = Mutex4()
        let group = DispatchGroup()
        for i in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                results.set(i, try? s.ao("kill", id))
                group.leave()
            }
        }
        group.wait()
        let all = results.values.compactMap { $0 }
        #expect(all.count == 4)
        for result in all {
            #expect(result.succeeded, "\(result)")
            #expect(!result.stdout.contains("could not be checked"), "\(result)")
            #expect(!result.stdout.contains("Kept its worktree"), "\(result)")
        }
        #expect(all.filter { $0.stdout.contains("Removed its worktree") }.count == 1)
        #expect(all.filter { $0.stdout.contains("Killed session \(id)") }.count == 1)
        #expect(!FileManager.default.fileExists(atPath: worktree.path))
    }

    @Test("kill keeps the worktree of an agent that outlives its tmux session (it ignores SIGHUP)", .timeLimit(.minutes(15)))
    func agentIgnoresHangup() throws {
        let s = try Scenario("kill-nohup")
        defer { s.close() }
        try s.env.installScript("stayer", "#!/bin/bash\ntrap '' HUP\necho staying\nwhile true; do sleep 0.2; done\n")
        try s.env.git(["config", "ao.agent.stayer.command", "stayer"], in: s.repo)
        let id = try s.spawn("--agent", "stayer")
        let worktree = try s.worktreePath(of: id)
        let killed = try s.ao("kill", id)
        #expect(killed.stdout.contains("is still running after its tmux session ended"), "\(killed)")
        #expect(FileManager.default.fileExists(atPath: worktree.path))
        let pid = killed.stdout.components(separatedBy: "(process ").dropFirst().first.flatMap { Int32($0.prefix { $0.isNumber }) }
        if let pid { kill(pid, SIGKILL) }
        #expect(pid != nil)
        try s.env.eventually("the agent to be gone") { pid.map { kill($0, 0) != 0 } ?? true }
        let again = try s.ao("kill", id)
        #expect(again.stdout.contains("Removed its worktree"), "\(again)")
    }

    @Test("kill after cleanup says the branch was deleted and where its tip is saved")
    func killAfterCleanup() throws {
        let s = try Scenario("kill-after-cleanup")
        defer { s.close() }
        let id = try s.spawn()
        #expect(try s.ao("kill", id).stdout.contains("Branch ao/\(id) is kept"))
        #expect(try s.ao("cleanup", "-y").succeeded)
        let again = try s.ao("kill", id)
        #expect(again.succeeded)
        #expect(!again.stdout.contains("is kept"), "\(again)")
        // Its tip was the base's, so cleanup needed no archive: kill says where the work is.
        #expect(again.stdout.contains("Branch ao/\(id) was already deleted by cleanup (its tip is on a branch that stays)"), "\(again)")
    }
}

/// Four results written from concurrent threads.
final class Mutex4: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [RunResult?] = [nil, nil, nil, nil]
    func set(_ i: Int, _ value: RunResult?) { lock.lock(); storage[i] = value; lock.unlock() }
    var values: [RunResult?] { lock.lock(); defer { lock.unlock() }; return storage }
}

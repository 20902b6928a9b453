import AOTestSupport
import Foundation
import Platform
import Testing

/// Removing a worktree never makes a commit unreachable (issue 7, item 2): what only the
/// worktree's HEAD or HEAD reflog holds is saved as refs/ao/archive/<id>-<n> first.
@Suite("no lost commits")
struct LostCommitsTests {
    func sha(_ rev: String, _ s: Scenario, in dir: URL) throws -> String {
        try s.env.git(["rev-parse", rev], in: dir).trimmingCharacters(in: .newlines)
    }

    /// Whether `commit` is reachable from some reference (what gc keeps).
    func reachable(_ commit: String, _ s: Scenario) throws -> Bool {
        !(try s.env.git(["for-each-ref", "--contains", commit, "--format=%(refname)"], in: s.repo)).isEmpty
    }

    @Test("a commit made on a detached HEAD survives kill and cleanup")
    func detachedHead() throws {
        let s = try Scenario("lost-detached")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        try s.env.git(["checkout", "-q", "--detach"], in: worktree)
        try s.env.git(["commit", "-q", "--allow-empty", "-m", "work on a detached HEAD"], in: worktree)
        let work = try sha("HEAD", s, in: worktree)
        // Back on the branch: HEAD no longer names the commit, only the HEAD reflog does.
        try s.env.git(["checkout", "-q", "ao/\(id)"], in: worktree)

        let kill = try s.ao("kill", id)
        #expect(kill.succeeded, "\(kill)")
        #expect(kill.stdout.contains("refs/ao/archive/\(id)-1"), "\(kill)")
        #expect(!FileManager.default.fileExists(atPath: worktree.path))
        #expect(try sha("refs/ao/archive/\(id)-1", s, in: s.repo) == work)
        #expect(try s.eventKinds(id).contains("commits_saved"))

        let cleanup = try s.ao("cleanup", "-y")
        #expect(cleanup.succeeded, "\(cleanup)")
        #expect(try !s.branches().contains("ao/\(id)"))
        #expect(try reachable(work, s))
    }

    @Test("commits a reset --hard left behind survive kill; the branch kept is not archived again")
    func resetBackwards() throws {
        let s = try Scenario("lost-reset")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        var commits: [String] = []
        for n in 1...3 {
            try s.env.git(["commit", "-q", "--allow-empty", "-m", "work \(n)"], in: worktree)
            commits.append(try sha("HEAD", s, in: worktree))
        }
        try s.env.git(["reset", "-q", "--hard", "HEAD~2"], in: worktree)
        let kill = try s.ao("kill", "--json", id)
        #expect(kill.succeeded, "\(kill)")
        let saved = try kill.json()["saved_refs"] as? [String]
        // One tip saves both commits the reset dropped; the first is on the branch.
        #expect(saved == ["refs/ao/archive/\(id)-1"])
        #expect(try sha("refs/ao/archive/\(id)-1", s, in: s.repo) == commits[2])
        #expect(try reachable(commits[1], s))
        #expect(try sha("ao/\(id)", s, in: s.repo) == commits[0])
    }

    @Test("commits a rebase dropped survive cleanup, which deletes the branch")
    func rebaseDropped() throws {
        let s = try Scenario("lost-rebase")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        try s.env.git(["commit", "-q", "--allow-empty", "-m", "dropped"], in: worktree)
        let dropped = try sha("HEAD", s, in: worktree)
        // Drop the commit: the branch goes back onto its base.
        try s.env.git(["rebase", "-q", "--onto", "HEAD~1", "HEAD"], in: worktree)
        #expect(try sha("HEAD", s, in: worktree) != dropped)
        // An ended session whose worktree cleanup removes (kill keeps it while it is dirty).
        try s.env.write("scratch\n", to: worktree.appendingPathComponent("scratch.txt"))
        let kill = try s.ao("kill", id)
        #expect(kill.stdout.contains("uncommitted changes"), "\(kill)")
        try FileManager.default.removeItem(at: worktree.appendingPathComponent("scratch.txt"))

        let cleanup = try s.ao("cleanup", "-y")
        #expect(cleanup.succeeded, "\(cleanup)")
        #expect(cleanup.stdout.contains("refs/ao/archive/\(id)-1"), "\(cleanup)")
        #expect(try !s.branches().contains("ao/\(id)"))
        #expect(try sha("refs/ao/archive/\(id)-1", s, in: s.repo) == dropped)
        #expect(try reachable(dropped, s))
    }

    @Test("a commit only a worktree's own ref holds (refs/worktree/*) survives kill")
    func perWorktreeRef() throws {
        let s = try Scenario("lost-wtref")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        let loose = try s.env.git(["commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "kept by a per-worktree ref"], in: worktree)
            .trimmingCharacters(in: .newlines)
        try s.env.git(["update-ref", "refs/worktree/keep", loose], in: worktree)
        let kill = try s.ao("kill", "--json", id)
        #expect(try kill.json()["saved_refs"] as? [String] == ["refs/ao/archive/\(id)-1"], "\(kill)")
        #expect(try sha("refs/ao/archive/\(id)-1", s, in: s.repo) == loose)
    }

    @Test("a failed spawn's undo saves what the agent committed on a detached HEAD before removing the worktree")
    func rollbackSaves() throws {
        let s = try Scenario("lost-rollback")
        defer { s.close() }
        // An agent that commits on a detached HEAD at once, and never shows the ready pattern.
        try s.env.installScript("committer", """
            #!/bin/sh
            git checkout -q --detach && git commit -q --allow-empty -m 'agent work' && git rev-parse HEAD > "$FAKE_AGENT_OUT/committed"
            exec sleep 60
            """)
        try s.env.git(["config", "ao.agent.committer.command", "committer"], in: s.repo)
        try s.env.git(["config", "ao.agent.committer.readyPattern", "never shown"], in: s.repo)
        try s.env.git(["config", "ao.agent.committer.readyTimeout", "3s"], in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "--agent", "committer", "--prompt", "work")
        #expect(result.status != 0)
        let committed = try #require(s.env.read(s.env.outputDirectory.appendingPathComponent("committed")))
            .trimmingCharacters(in: .newlines)
        #expect(result.stderr.contains("refs/ao/archive/"), "\(result)")
        let saved = try s.env.git(["for-each-ref", "--format=%(objectname)", "refs/ao/archive/"], in: s.repo)
        #expect(saved.trimmingCharacters(in: .newlines) == committed)
        #expect(try s.worktrees().count == 1)
    }

    @Test("nothing is saved when every commit is on a branch that stays")
    func nothingLost() throws {
        let s = try Scenario("lost-none")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        try s.env.git(["commit", "-q", "--allow-empty", "-m", "on the branch"], in: worktree)
        let kill = try s.ao("kill", "--json", id)
        #expect(try kill.json()["saved_refs"] as? [String] == [])
        #expect(try s.env.git(["for-each-ref", "refs/ao/archive/"], in: s.repo).isEmpty)
    }
}

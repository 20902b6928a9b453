import AOTestSupport
import Foundation
import Testing

/// Progress at a glance (as worktrunk's `wt list`): commits ahead of and behind the base, lines
/// added and removed since the merge base (committed and uncommitted), and whether the worktree
/// has uncommitted changes, in `status -v`, `show` and `--json`.
@Suite("session progress")
struct SessionProgressTests {
    func progress(_ s: Scenario, _ id: String) throws -> [String: Any] {
        let session = try s.session(id)
        return ["ahead": session["ahead"] ?? NSNull(), "behind": session["behind"] ?? NSNull(), "dirty": session["dirty"] ?? NSNull(),
                "insertions": session["insertions"] ?? NSNull(), "deletions": session["deletions"] ?? NSNull()]
    }

    func cacheFile(_ s: Scenario, _ id: String) -> URL {
        s.repo.appendingPathComponent(".git/ao/progress/\(id)")
    }

    @Test("ahead, behind, dirty and lines since the merge base, committed and uncommitted", .timeLimit(.minutes(15)))
    func counts() throws {
        let s = try Scenario("progress", files: ["README.md": "hello\n", "a.txt": "1\n2\n3\n"])
        defer { s.close() }
        let id = try s.spawn("--prompt", "task")
        let worktree = try s.worktreePath(of: id)

        // Nothing done yet.
        var p = try progress(s, id)
        #expect(p["ahead"] as? Int == 0 && p["behind"] as? Int == 0, "\(p)")
        #expect(p["dirty"] as? Bool == false && p["insertions"] as? Int == 0 && p["deletions"] as? Int == 0, "\(p)")

        // Two commits of the agent: a line changed (+1 -1), a file of two lines added (+2).
        try s.env.write("1\n2\nthree\n", to: worktree.appendingPathComponent("a.txt"))
        try s.env.git(["commit", "-qam", "change a"], in: worktree)
        try s.env.write("b\nb\n", to: worktree.appendingPathComponent("b.txt"))
        try s.env.git(["add", "b.txt"], in: worktree)
        try s.env.git(["commit", "-qm", "add b"], in: worktree)
        // The base moves on by one commit (fetched from origin): not the session's lines.
        try s.env.write("main\nmain\nmain\n", to: s.repo.appendingPathComponent("c.txt"))
        try s.env.git(["add", "c.txt"], in: s.repo)
        try s.env.git(["commit", "-qm", "main"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "main"], in: s.repo)
        try s.env.git(["fetch", "-q", "origin"], in: s.repo)
        p = try progress(s, id)
        #expect(p["ahead"] as? Int == 2 && p["behind"] as? Int == 1, "\(p)")
        #expect(p["dirty"] as? Bool == false && p["insertions"] as? Int == 3 && p["deletions"] as? Int == 1, "\(p)")

        // An uncommitted edit (not staged) counts, and makes the worktree dirty.
        try s.env.write("hello\nworld\n", to: worktree.appendingPathComponent("README.md"))
        p = try progress(s, id)
        #expect(p["dirty"] as? Bool == true && p["insertions"] as? Int == 4 && p["deletions"] as? Int == 1, "\(p)")
        // Edited again with the same size: still seen (the cache is keyed by more than sizes).
        try s.env.write("hello\nWORLD\n", to: worktree.appendingPathComponent("README.md"))
        p = try progress(s, id)
        #expect(p["insertions"] as? Int == 4, "\(p)")
        try s.env.git(["checkout", "--", "README.md"], in: worktree)
        // An untracked file makes the worktree dirty; its lines are not counted (git diff does not).
        try s.env.write("x\n", to: worktree.appendingPathComponent("new.txt"))
        p = try progress(s, id)
        #expect(p["dirty"] as? Bool == true && p["insertions"] as? Int == 3, "\(p)")

        // status -v shows it in a column, show in a line; plain status leaves it out.
        let verbose = try s.ao("status", "-v")
        #expect(verbose.stdout.contains("PROGRESS") && verbose.stdout.contains("2 ahead, 1 behind, +3 -1, uncommitted"), "\(verbose.stdout)")
        #expect(!(try s.ao("status")).stdout.contains("PROGRESS"))
        let shown = try s.ao("show", id)
        #expect(shown.stdout.contains("progress:  2 ahead, 1 behind origin/main; +3 -1 lines since the merge base; uncommitted changes"), "\(shown.stdout)")
        let json = try s.ao("show", "--json", id).json()["session"] as? [String: Any]
        #expect(json?["ahead"] as? Int == 2 && json?["dirty"] as? Bool == true)
    }

    @Test("computed once per change: plain status never computes it, a second look reuses it", .timeLimit(.minutes(15)))
    func cached() throws {
        let s = try Scenario("progress-cache")
        defer { s.close() }
        let id = try s.spawn("--prompt", "task")
        #expect(try s.ao("status").succeeded)
        #expect(try s.ao("status", "--porcelain").succeeded)
        #expect(!FileManager.default.fileExists(atPath: cacheFile(s, id).path), "plain status does not pay for progress")
        let worktree = try s.worktreePath(of: id)

        #expect(try s.ao("status", "--json").succeeded)
        let first = try #require(s.env.read(cacheFile(s, id)))
        #expect(try s.ao("status", "-v").succeeded)
        #expect(s.env.read(cacheFile(s, id)) == first, "nothing changed: the cached figures are reused, not computed again")

        try s.env.write("more\n", to: worktree.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "more"], in: worktree)
        #expect(try progress(s, id)["ahead"] as? Int == 1)
        #expect(s.env.read(cacheFile(s, id)) != first, "a new HEAD is a new computation")
    }

    @Test("a detached HEAD, a deleted base branch, a removed worktree and non-ASCII names", .timeLimit(.minutes(15)))
    func hostile() throws {
        let s = try Scenario("progress-hostile", files: ["README.md": "hello\n", "données/é.txt": "ü\n"])
        defer { s.close() }
        try s.env.git(["branch", "básé"], in: s.repo)
        let id = try s.spawn("--base", "básé", "--branch", "tâche/ünï", "--prompt", "task")
        let worktree = try s.worktreePath(of: id)
        try s.env.write("ü\nü2\n", to: worktree.appendingPathComponent("données/é.txt"))
        try s.env.git(["commit", "-qam", "ünï"], in: worktree)
        var p = try progress(s, id)
        #expect(p["ahead"] as? Int == 1 && p["insertions"] as? Int == 1, "\(p)")

        // Detached HEAD: counted from the commit HEAD is at.
        try s.env.git(["checkout", "-q", "--detach"], in: worktree)
        p = try progress(s, id)
        #expect(p["ahead"] as? Int == 1, "\(p)")

        // The base branch deleted: counted from the base commit recorded at spawn.
        try s.env.git(["branch", "-D", "básé"], in: s.repo)
        p = try progress(s, id)
        #expect(p["ahead"] as? Int == 1 && p["behind"] as? Int == 0, "\(p)")
        #expect(try s.ao("show", id).stdout.contains("since the recorded base"), "the show line says the base ref is gone")

        // The worktree removed by hand: unknown, not an error.
        try FileManager.default.removeItem(at: worktree)
        let status = try s.ao("status", "-v")
        #expect(status.succeeded, "\(status)")
        p = try progress(s, id)
        #expect(p["ahead"] is NSNull && p["dirty"] is NSNull, "\(p)")
    }
}

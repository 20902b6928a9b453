import AOTestSupport
import Foundation
@testable import GitAO
import Lifecycle
import Platform
import Testing

/// Issue 17, section 4: letting go of experiments (cleanup --discard) and leaving no empty
/// worktree folder behind.
@Suite("cleanup --discard")
struct CleanupDiscardTests {
    func sha(_ rev: String, _ s: Scenario) throws -> String {
        try s.env.git(["rev-parse", rev], in: s.repo).trimmingCharacters(in: .newlines)
    }

    @Test("cleanup --discard lets go of ended sessions with unmerged commits, saving each under refs/ao/archive/; refuses live and dirty ones")
    func discard() throws {
        let s = try Scenario("fh-discard")
        defer { s.close() }
        // Two experiments with a commit nothing else holds, ended.
        var experiments: [(id: String, tip: String)] = []
        for n in 1...2 {
            let id = try s.spawn()
            let worktree = try s.worktreePath(of: id)
            try s.env.write("try \(n)\n", to: worktree.appendingPathComponent("try\(n).txt"))
            try s.env.git(["add", "."], in: worktree)
            try s.env.git(["commit", "-q", "-m", "experiment \(n)"], in: worktree)
            experiments.append((id, try s.env.git(["rev-parse", "HEAD"], in: worktree).trimmingCharacters(in: .newlines)))
            #expect(try s.ao("kill", id).succeeded)
        }
        let live = try s.spawn()
        let dirty = try s.spawn()
        let dirtyPath = try s.worktreePath(of: dirty)
        try s.env.write("wip\n", to: dirtyPath.appendingPathComponent("wip.txt"))
        try s.env.write("changed\n", to: dirtyPath.appendingPathComponent("README.md"))
        #expect(try s.ao("kill", dirty).succeeded)

        // Plain cleanup keeps them, as before.
        let plain = try s.ao("cleanup", "-y")
        #expect(plain.stdout.contains("skip \(experiments[0].id): branch ao/\(experiments[0].id) has 1 commit"), "\(plain)")

        let twin = String(live.prefix(3)) + "zzz"
        try s.sql("INSERT INTO sessions (id, branch, base_ref, base_sha, worktree_path, agent, tmux_name, created_at, updated_at, state, terminal, terminal_reason) VALUES ('\(twin)', 'b-\(twin)', 'main', 'x', '/nowhere/\(twin)', 'fake', 'ao-\(twin)', 1, 1, 'terminated', 1, 'killed')")
        let before = try s.world()
        expectError(try s.ao("cleanup", "--discard", "-y", live), "SESSION_LIVE", mentioning: [live, "git ao kill \(live)"])
        expectError(try s.ao("cleanup", "--discard", "-y", dirty), "WORKTREE_DIRTY",
                    mentioning: [dirty, "1 modified, 1 untracked", "commit", "stash"])
        // One refused id refuses the whole command: nothing is half done.
        expectError(try s.ao("cleanup", "--discard", "-y", experiments[0].id, live), "SESSION_LIVE")
        expectError(try s.ao("cleanup", "--discard", experiments[0].id), "CONFIRMATION_REQUIRED")
        expectError(try s.ao("cleanup", experiments[0].id), "INVALID_ARGUMENT", mentioning: ["--discard"])
        // A prefix shared by the live session and an ended one is refused, not resolved to the
        // live one (whose "end it first" would point at a session the user did not mean).
        expectError(try s.ao("cleanup", "--discard", "-y", String(live.prefix(3))), "SESSION_AMBIGUOUS", mentioning: [live, twin])
        #expect(try s.world() == before)

        let result = try s.ao("cleanup", "--discard", "-y", experiments[0].id, String(experiments[1].id.prefix(5)))
        #expect(result.succeeded, "\(result)")
        for (id, tip) in experiments {
            #expect(try !s.branches().contains("refs/heads/ao/\(id)"))
            #expect(try sha("refs/ao/archive/\(id)", s) == tip)
            #expect(result.stdout.contains("git branch ao/\(id) refs/ao/archive/\(id)"), "\(result)")
            #expect(try s.session(id)["cleaned_at"] is String)
            #expect(try s.eventKinds(id).last == "cleaned")
        }
        // The dirty one was never touched, and nothing else was cleaned along.
        #expect(FileManager.default.fileExists(atPath: dirtyPath.appendingPathComponent("wip.txt").path))
        #expect(try s.tmuxSessions() == ["ao-\(live)"])
        // Getting one back is what the message says.
        try s.env.git(["branch", "ao/\(experiments[0].id)", "refs/ao/archive/\(experiments[0].id)"], in: s.repo)
        #expect(try sha("ao/\(experiments[0].id)", s) == experiments[0].tip)
        // Already cleaned: said, not an error.
        let again = try s.ao("cleanup", "--discard", "-y", experiments[1].id)
        #expect(again.succeeded && again.stdout.contains("already cleaned"), "\(again)")
    }

    @Test("cleanup removes the empty worktree folder beside the repository, and only when nothing is left in it")
    func emptyWorktreeRoot() throws {
        let s = try Scenario("fh-root")
        defer { s.close() }
        let root = s.repo.deletingLastPathComponent().appendingPathComponent("repo.ao")
        let first = try s.spawn()
        let second = try s.spawn()
        #expect(try s.ao("kill", first).succeeded)
        #expect(try s.ao("cleanup", "-y").succeeded)
        #expect(FileManager.default.fileExists(atPath: root.path), "a live session's worktree is still in it")
        #expect(try s.ao("kill", second).succeeded)
        try s.env.write("mine\n", to: root.appendingPathComponent("notes.txt"))
        #expect(try s.ao("cleanup", "-y").succeeded)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("notes.txt").path), "a user's file is never removed")
        try FileManager.default.removeItem(at: root.appendingPathComponent("notes.txt"))
        let third = try s.spawn()
        #expect(try s.ao("kill", third).succeeded)
        let cleanup = try s.ao("cleanup", "-y")
        #expect(cleanup.succeeded, "\(cleanup)")
        #expect(!FileManager.default.fileExists(atPath: root.path), "\((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])")
    }

    @Test("the line that brings a discarded branch back is safe to paste into a shell")
    func restoreLineQuoting() {
        func line(_ branch: String) -> String {
            let session = Session(id: SessionID("k3x9q2"), branch: BranchName(branch), branchCreated: true, baseRef: "main", baseSHA: CommitSHA("0"),
                                  worktreePath: "/nowhere", agent: "fake", tmuxName: "ao-k3x9q2", createdAt: Timestamp(milliseconds: 0))
            return CleanupCommand.restoreCommand(CleanupCommand.Item(session: session, removeWorktree: false, deleteBranch: true))
        }
        #expect(line("exp/é-ü_1.2") == "git branch exp/é-ü_1.2 refs/ao/archive/k3x9q2")
        #expect(line("exp/$(touch x)") == "git branch 'exp/$(touch x)' refs/ao/archive/k3x9q2")
        #expect(line("it's") == "git branch 'it'\\''s' refs/ao/archive/k3x9q2")
    }
}

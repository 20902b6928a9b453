import AOTestSupport
import Foundation
import Testing
@testable import Worktree

/// The libgit2 wrapper against real repositories, checked with the real git CLI.
@Suite("worktree engine")
struct WorktreeTests {
    let env: TestEnvironment
    let repoURL: URL

    init() throws {
        env = try TestEnvironment("wt")
        repoURL = try env.makeRepository("repo", files: ["README.md": "hello\n", "src/a.txt": "a\n"])
    }

    func open() throws -> Repository { try Repository.open(at: repoURL.path) }

    func adminEntries() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: repoURL.appendingPathComponent(".git/worktrees").path)) ?? []
    }

    @Test("paths: git dir, common dir, main worktree, from the main repo and from a linked worktree")
    func paths() throws {
        defer { env.close() }
        let repo = try open()
        #expect(repo.gitDir == repoURL.appendingPathComponent(".git").path)
        #expect(repo.commonDir == repo.gitDir)
        #expect(repo.workdir == repoURL.path)
        #expect(try repo.currentBranch() == "main")
        #expect(try !repo.hasNoCommits)
        #expect(try !repo.isHeadUnborn)

        let linked = env.root.appendingPathComponent("linked")
        try env.git(["worktree", "add", "-q", "-b", "side", linked.path], in: repoURL)
        let fromLinked = try Repository.open(at: linked.path)
        #expect(fromLinked.commonDir == repo.commonDir)
        #expect(fromLinked.workdir == linked.path)
        #expect(try fromLinked.mainWorktreePath() == repoURL.path)
        #expect(try fromLinked.currentBranch() == "side")
    }

    @Test("branch names follow git's rules", arguments: [
        ("feature/login", true), ("ao/k7m2qz", true), ("ünïcode", true),
        ("has space", false), ("-leading-dash", false), ("HEAD", false), ("a..b", false), ("end.lock", false),
        ("x~1", false), ("x^", false), ("x:y", false), ("a//b", false), ("trailing/", false), ("x@{1}", false),
    ])
    func branchNames(name: String, valid: Bool) throws {
        defer { env.close() }
        let repo = try open()
        #expect(repo.isValidBranchName(name) == valid)
        let git = try env.run(["git", "check-ref-format", "--branch", name], in: repoURL)
        #expect(git.succeeded == valid, "git disagrees about '\(name)'")
    }

    @Test("a worktree made by libgit2 passes git worktree list, status, fsck and remove")
    func addedWorktreeIsAcceptedByGit() throws {
        defer { env.close() }
        let repo = try open()
        let head = try #require(try repo.headSHA())
        try repo.createBranch("topic", at: head)
        let path = env.root.appendingPathComponent("wt-topic").path
        _ = try repo.addWorktree(name: "wt-topic", path: path, branch: "topic")

        let list = try env.git(["worktree", "list", "--porcelain"], in: repoURL)
        #expect(list.contains("worktree \(path)\nHEAD \(head)\nbranch refs/heads/topic"))
        #expect(try env.git(["status", "--porcelain"], in: URL(fileURLWithPath: path)) == "")
        #expect(FileManager.default.fileExists(atPath: path + "/src/a.txt"))
        #expect(try env.run(["git", "fsck", "--no-progress"], in: repoURL).stderr == "")
        #expect(try env.run(["git", "worktree", "remove", path], in: repoURL).succeeded)
    }

    @Test("a failed add leaves nothing behind and does not poison later adds")
    func failedAddDoesNotPoison() throws {
        defer { env.close() }
        let repo = try open()
        let head = try #require(try repo.headSHA())
        try repo.createBranch("one", at: head)
        try repo.createBranch("two", at: head)
        // libgit2 refuses an existing target, even an empty one, after making its admin folder.
        let taken = env.root.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: taken, withIntermediateDirectories: true)
        #expect(throws: GitError.self) { _ = try repo.addWorktree(name: "taken", path: taken.path, branch: "one") }
        #expect(adminEntries().isEmpty)
        #expect(try !repo.isCheckedOut(branch: "one"))
        #expect(try !repo.isCheckedOut(branch: "two"))

        let good = env.root.appendingPathComponent("good").path
        _ = try repo.addWorktree(name: "good", path: good, branch: "two")
        #expect(try repo.isCheckedOut(branch: "two"))
        #expect(try env.git(["worktree", "prune", "-n", "-v"], in: repoURL) == "")
    }

    @Test("a branch checked out anywhere is found, including in worktrees git itself made")
    func checkedOutElsewhere() throws {
        defer { env.close() }
        let repo = try open()
        let elsewhere = env.root.appendingPathComponent("by-git")
        try env.git(["worktree", "add", "-q", "-b", "by-git", elsewhere.path], in: repoURL)
        #expect(try repo.isCheckedOut(branch: "by-git"))
        #expect(try repo.worktree(holding: "by-git")?.path == elsewhere.path)
        #expect(try repo.worktree(holding: "main")?.path == repoURL.path)
        #expect(try repo.worktrees().map(\.path) == [repoURL.path, elsewhere.path])
        // Adding a second worktree for it fails cleanly.
        #expect(throws: GitError.self) { _ = try repo.addWorktree(name: "again", path: env.root.appendingPathComponent("again").path, branch: "by-git") }
        #expect(adminEntries() == ["by-git"])
    }

    @Test("uncommitted changes are counted, ignored files are not")
    func changes() throws {
        defer { env.close() }
        let repo = try open()
        #expect(try repo.changes(inWorktreeAt: repoURL.path).isClean)
        try env.write("ignored/\n", to: repoURL.appendingPathComponent(".git/info/exclude"))
        try env.write("x", to: repoURL.appendingPathComponent("ignored/file"))
        #expect(try repo.changes(inWorktreeAt: repoURL.path).isClean)
        try env.write("changed\n", to: repoURL.appendingPathComponent("README.md"))
        try env.write("new\n", to: repoURL.appendingPathComponent("new.txt"))
        #expect(try repo.changes(inWorktreeAt: repoURL.path) == WorktreeChanges(tracked: 1, untracked: 1))
    }

    @Test("removing a worktree deletes its folder and git's bookkeeping; a locked one is refused")
    func removeWorktree() throws {
        defer { env.close() }
        let repo = try open()
        let path = env.root.appendingPathComponent("gone").path
        try env.git(["worktree", "add", "-q", "-b", "gone", path], in: repoURL)
        try repo.removeWorktree(at: path)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try env.git(["worktree", "list", "--porcelain"], in: repoURL).contains(path) == false)

        let locked = env.root.appendingPathComponent("locked").path
        try env.git(["worktree", "add", "-q", "--lock", "-b", "locked", locked], in: repoURL)
        #expect(throws: GitError.self) { try repo.removeWorktree(at: locked) }
        #expect(FileManager.default.fileExists(atPath: locked))
        #expect(throws: GitError.self) { try repo.removeWorktree(at: repoURL.path) }
    }

    @Test("revisions, remote-tracking branches, upstreams, ancestry and archive refs")
    func references() throws {
        defer { env.close() }
        try env.addOrigin(to: repoURL)
        let repo = try open()
        let head = try #require(try repo.headSHA())
        #expect(try repo.remoteNames() == ["origin"])
        #expect(try repo.symbolicTarget(of: "refs/remotes/origin/HEAD") == "refs/remotes/origin/main")
        #expect(try repo.resolveRevision("origin/main") == ResolvedRevision(sha: head, refName: "refs/remotes/origin/main"))
        #expect(try repo.resolveRevision("no-such-thing") == nil)

        // A local branch from the remote one, tracking it (libgit2 cannot add a worktree on a remote ref).
        try repo.createBranch("from-remote", at: head)
        try repo.setUpstream(of: "from-remote", to: "origin/main")
        #expect(try repo.upstreamReference(of: "from-remote") == "refs/remotes/origin/main")
        #expect(try env.git(["rev-parse", "--abbrev-ref", "from-remote@{upstream}"], in: repoURL) == "origin/main\n")

        try env.write("more\n", to: repoURL.appendingPathComponent("more.txt"))
        try env.git(["add", "more.txt"], in: repoURL)
        try env.git(["commit", "-q", "-m", "more"], in: repoURL)
        let newer = try #require(try repo.headSHA())
        #expect(try repo.isAncestor(head, of: newer))
        #expect(try !repo.isAncestor(newer, of: head))
        #expect(try repo.aheadBehind(newer, head) == (1, 0))

        try repo.writeReference("refs/ao/archive/abc", to: newer, message: "test")
        #expect(try repo.references(matching: "refs/ao/archive/*").map(\.name) == ["refs/ao/archive/abc"])
        #expect(try env.git(["rev-parse", "refs/ao/archive/abc"], in: repoURL) == newer + "\n")
        try repo.deleteBranch("from-remote")
        #expect(try repo.localBranchTip("from-remote") == nil)
    }

    @Test("repositories with extensions git sets (worktreeconfig) still open")
    func extensionsAllowed() throws {
        defer { env.close() }
        try env.git(["config", "extensions.worktreeConfig", "true"], in: repoURL)
        try env.git(["config", "core.repositoryformatversion", "1"], in: repoURL)
        #expect(try open().workdir == repoURL.path)
    }

    @Test("worktree names are sanitized and never reuse a stale admin folder")
    func worktreeNames() throws {
        defer { env.close() }
        let repo = try open()
        #expect(repo.availableWorktreeName(base: "feature/login") == "feature-login")
        try FileManager.default.createDirectory(at: repoURL.appendingPathComponent(".git/worktrees/feature-login"), withIntermediateDirectories: true)
        #expect(repo.availableWorktreeName(base: "feature/login") == "feature-login-2")
        #expect(repo.availableWorktreeName(base: "..") == "worktree")
    }

    @Test("filters are skipped only when nothing could need them, and CRLF repositories still check out exactly")
    func checkoutFilters() throws {
        defer { env.close() }
        let repo = try open()
        let head = try #require(try repo.headSHA())
        #expect(!repo.checkoutNeedsFilters(commit: head))

        // A .gitattributes deep in the tree asks for CRLF.
        try env.write("*.txt text eol=crlf\n", to: repoURL.appendingPathComponent("src/.gitattributes"))
        try env.write("one\ntwo\n", to: repoURL.appendingPathComponent("src/lines.txt"))
        try env.git(["add", "-A"], in: repoURL)
        try env.git(["commit", "-q", "-m", "crlf"], in: repoURL)
        let crlf = try #require(try repo.headSHA())
        #expect(repo.checkoutNeedsFilters(commit: crlf))
        try repo.createBranch("crlf", at: crlf)
        let path = env.root.appendingPathComponent("crlf-wt")
        _ = try repo.addWorktree(name: "crlf-wt", path: path.path, branch: "crlf")
        #expect(try Data(contentsOf: path.appendingPathComponent("src/lines.txt")) == Data("one\r\ntwo\r\n".utf8))
        #expect(try env.git(["status", "--porcelain"], in: path) == "")

        // Configuration alone can ask for it too.
        try env.git(["config", "core.autocrlf", "true"], in: repoURL)
        #expect(repo.checkoutNeedsFilters(commit: head))
        try env.git(["config", "core.autocrlf", "input"], in: repoURL)
        #expect(!repo.checkoutNeedsFilters(commit: head))
        try env.write("*.md ident\n", to: repoURL.appendingPathComponent(".git/info/attributes"))
        #expect(repo.checkoutNeedsFilters(commit: head))
    }
}

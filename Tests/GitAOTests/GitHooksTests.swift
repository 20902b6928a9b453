import AOTestSupport
import Foundation
import Platform
import Store
import Testing

@Suite("git hooks")
struct GitHooksTests {
    static let names = ["post-commit", "post-rewrite", "post-merge", "post-checkout"]

    func attributes(_ url: URL) throws -> (data: Data, mode: Int) {
        (try Data(contentsOf: url), (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1)
    }

    @Test("install, reinstall (no change), uninstall: the hooks directory ends as it began")
    func roundTrip() throws {
        let s = try Scenario("hooks-roundtrip")
        defer { s.close() }
        let hooks = s.repo.appendingPathComponent(".git/hooks")
        let before = try FileManager.default.contentsOfDirectory(atPath: hooks.path).sorted()
        #expect(try s.ao("hooks", "install").succeeded)
        for name in Self.names {
            let url = hooks.appendingPathComponent(name)
            #expect(FileManager.default.isExecutableFile(atPath: url.path), "\(name)")
        }
        let installed = try Self.names.map { try attributes(hooks.appendingPathComponent($0)).data }
        let again = try s.ao("hooks", "install")
        #expect(again.stdout.contains("post-commit: already installed"))
        #expect(try Self.names.map { try attributes(hooks.appendingPathComponent($0)).data } == installed)
        #expect(try s.ao("hooks", "status").stdout.contains("post-commit: installed"))
        #expect(try s.ao("hooks", "uninstall").succeeded)
        #expect(try FileManager.default.contentsOfDirectory(atPath: hooks.path).sorted() == before)
    }

    @Test("a user's own hook is kept, chained with its output, exit status and input, and restored exactly")
    func chainsUserHook() throws {
        let s = try Scenario("hooks-chain")
        defer { s.close() }
        let hooks = s.repo.appendingPathComponent(".git/hooks")
        let stdinCopy = s.env.root.appendingPathComponent("rewrite-input")
        let userCommit = "#!/bin/sh\necho 'user hook stdout'\necho 'user hook stderr' >&2\nexit 3\n"
        let userRewrite = "#!/bin/sh\ncat > '\(stdinCopy.path)'\n"
        try s.env.write(userCommit, to: hooks.appendingPathComponent("post-commit"))
        try s.env.write(userRewrite, to: hooks.appendingPathComponent("post-rewrite"))
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: hooks.appendingPathComponent("post-commit").path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hooks.appendingPathComponent("post-rewrite").path)
        let original = try attributes(hooks.appendingPathComponent("post-commit"))

        let install = try s.ao("hooks", "install")
        #expect(install.stdout.contains("post-commit: installed; your hook runs first"))
        // The chained hook's output and exit status come through unchanged.
        let run = try s.env.run([hooks.appendingPathComponent("post-commit").path], in: s.repo)
        #expect(run.status == 3)
        #expect(run.stdout == "user hook stdout\n")
        #expect(run.stderr == "user hook stderr\n")
        // post-rewrite gets git's list on stdin, byte for byte.
        try s.env.git(["commit", "-q", "--amend", "--allow-empty", "-m", "amended"], in: s.repo)
        let rewritten = s.env.read(stdinCopy) ?? ""
        #expect(rewritten.hasSuffix("\n") && rewritten.split(separator: " ").count >= 2, "\(rewritten)")

        #expect(try s.ao("hooks", "uninstall").stdout.contains("post-commit: removed; your hook is back"))
        let restored = try attributes(hooks.appendingPathComponent("post-commit"))
        #expect(restored.data == original.data && restored.mode == original.mode)
        #expect(s.env.read(hooks.appendingPathComponent("post-rewrite")) == userRewrite)
        #expect(!FileManager.default.fileExists(atPath: hooks.appendingPathComponent("post-commit.ao-chained").path))
    }

    @Test("hooks go to core.hooksPath when it is set, relative paths from the main worktree")
    func hooksPath() throws {
        let s = try Scenario("hooks-path")
        defer { s.close() }
        try s.env.git(["config", "core.hooksPath", "githooks"], in: s.repo)
        let result = try s.ao("hooks", "install")
        #expect(result.stdout.contains(s.repo.appendingPathComponent("githooks").path))
        #expect(FileManager.default.isExecutableFile(atPath: s.repo.appendingPathComponent("githooks/post-commit").path))
        #expect(!FileManager.default.fileExists(atPath: s.repo.appendingPathComponent(".git/hooks/post-commit").path))
        let absolute = s.env.root.appendingPathComponent("shared-hooks")
        try s.env.git(["config", "core.hooksPath", absolute.path], in: s.repo)
        #expect(try s.ao("hooks", "install").succeeded)
        #expect(FileManager.default.isExecutableFile(atPath: absolute.appendingPathComponent("post-merge").path))
        #expect(try s.ao("hooks", "uninstall").succeeded)
        #expect(try FileManager.default.contentsOfDirectory(atPath: absolute.path).isEmpty)
    }

    @Test("commits made in quick succession are each recorded with their own sha")
    func rapidCommits() throws {
        let s = try Scenario("hooks-rapid")
        defer { s.close() }
        try s.ao("init")
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        var shas: [String] = []
        for n in 0..<5 {
            try s.env.git(["commit", "-q", "--allow-empty", "-m", "quick \(n)"], in: worktree)
            shas.append(try s.env.git(["rev-parse", "HEAD"], in: worktree).trimmingCharacters(in: .newlines))
        }
        // Each by its hook, or (when a pass read HEAD before the newest hook applied) by that pass.
        func recorded() throws -> Set<String> {
            let events = try s.ao("show", "--json", "--events", "100", id).json()["events"] as? [[String: Any]] ?? []
            return Set(events.filter { ["commit", "head_corrected"].contains($0["kind"] as? String) }
                .compactMap { ($0["data"] as? [String: String])?["sha"] })
        }
        try s.env.eventually("five commits recorded") { try recorded() == Set(shas) }
    }

    @Test("the stored head is the worktree's HEAD: hooks held behind a busy database never put an older head back, and a pass corrects a stale one")
    func headFollowsWorktree() throws {
        let s = try Scenario("hooks-head")
        defer { s.close() }
        try s.ao("init")
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        func head() throws -> String { try s.env.git(["rev-parse", "HEAD"], in: worktree).trimmingCharacters(in: .newlines) }
        try s.env.git(["commit", "-q", "--allow-empty", "-m", "first"], in: worktree)
        let first = try head()
        try s.env.eventually("the first commit recorded") { try s.session(id)["head_sha"] as? String == first }

        // Six quick commits while another process holds the write lock: their hooks queue up and
        // apply in whatever order the lock hands them out.
        let lock = try s.holdDatabaseLock()
        for n in 0..<6 { try s.env.git(["commit", "-q", "--allow-empty", "-m", "quick \(n)"], in: worktree) }
        let last = try head()
        Thread.sleep(forTimeInterval: 1)
        lock.release()
        // Wait until every queued hook and the passes they started have finished (under load a
        // hook may also give up after the busy timeout; then a pass corrects the head), then the
        // stored head must be the last commit.
        let binary = TestEnvironment.productsDirectory.appendingPathComponent("git-ao").path
        try s.env.eventually("the hooks and their passes finished", timeout: 90) {
            try s.env.run(["pgrep", "-f", "^\(binary) (hook|-C \(s.repo.path)/.git observe)"]).stdout.isEmpty
        }
        try s.env.eventually("the stored head is the last commit", timeout: 30) { try s.session(id)["head_sha"] as? String == last }
        #expect(try s.eventKinds(id).filter { $0 == "commit" }.count >= 2)

        // A stored head that is wrong however it got there (a lost event, an older binary) is
        // corrected by the next pass, with an event that says so.
        try s.sql("UPDATE sessions SET head_sha = '\(first)' WHERE id = '\(id)'")
        let before = try s.eventKinds(id).count
        try s.observe()
        #expect(try s.session(id)["head_sha"] as? String == last)
        // The same pass may also judge the agent's screen: the correction is among its events.
        let kinds = try s.eventKinds(id).dropFirst(before)
        #expect(kinds.contains("head_corrected"), "\(kinds)")
        // A head never recorded (every hook's event lost) counts as the base, and is corrected too.
        try s.sql("UPDATE sessions SET head_sha = NULL WHERE id = '\(id)'")
        try s.observe()
        #expect(try s.session(id)["head_sha"] as? String == last)
    }

    @Test("a commit in a session worktree is recorded with its sha; one elsewhere is not")
    func recordsCommits() throws {
        let s = try Scenario("hooks-commit")
        defer { s.close() }
        try s.ao("init")
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        try s.env.write("work\n", to: worktree.appendingPathComponent("work.txt"))
        try s.env.git(["add", "work.txt"], in: worktree)
        try s.env.git(["commit", "-q", "-m", "agent work"], in: worktree)
        let sha = try s.env.git(["rev-parse", "HEAD"], in: worktree).trimmingCharacters(in: .newlines)
        try s.env.eventually("the commit event", timeout: 30) { try s.eventKinds(id).contains("commit") }
        let events = try s.ao("show", "--json", id).json()["events"] as? [[String: Any]] ?? []
        let commit = events.last { $0["kind"] as? String == "commit" }
        #expect((commit?["data"] as? [String: String])?["sha"] == sha)
        #expect(try s.session(id)["head_sha"] as? String == sha)

        // Switching to another commit (post-checkout) and merging a fast-forward (post-merge) move
        // HEAD without post-commit. (An amend runs post-commit before post-rewrite, so HEAD is
        // already recorded and the rewrite changes nothing: no empty write.)
        try s.env.git(["branch", "-q", "ahead"], in: worktree)
        try s.env.git(["switch", "-q", "--detach", "HEAD~1"], in: worktree)
        try s.env.git(["merge", "-q", "--ff-only", "ahead"], in: worktree)
        // The checkout's hook always records its event. The merge's records one only when the
        // checkout's hook ran first: hooks run in the background, and one that runs after the
        // merge finds HEAD already back at `sha`, so the stored head never left it (a hook never
        // puts an older head back) and the merge changes nothing. Either way the stored head
        // ends as the worktree's HEAD.
        try s.env.eventually("the checkout recorded and the head back at the merged commit", timeout: 30) {
            try s.eventKinds(id).contains("checkout") && s.session(id)["head_sha"] as? String == sha
        }

        // The main worktree is no session's: nothing is recorded there.
        let before = try s.ao("events", "--json", "-n", "1000").stdout
        try s.env.git(["commit", "-q", "--allow-empty", "-m", "main work"], in: s.repo)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try s.ao("events", "--json", "-n", "1000").stdout == before)
    }

    @Test("a hook never fails or blocks the commit, and says what went wrong in hooks.log")
    func neverFailsCommit() throws {
        let s = try Scenario("hooks-robust")
        defer { s.close() }
        try s.ao("init")
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        // Damage the database: the hook cannot record, the commit still succeeds at once.
        try s.env.run(["tmux", "kill-server"])
        let ao = s.repo.appendingPathComponent(".git/ao")
        for file in ["state.db-wal", "state.db-shm"] { try? FileManager.default.removeItem(at: ao.appendingPathComponent(file)) }
        try Data(repeating: 0x42, count: 4096).write(to: ao.appendingPathComponent("state.db"))
        let started = Date()
        let commit = try s.env.run(["git", "commit", "--allow-empty", "-m", "still works"], in: worktree)
        #expect(commit.succeeded, "\(commit)")
        #expect(commit.stderr.isEmpty, "the hook printed: \(commit.stderr)")
        #expect(Date().timeIntervalSince(started) < 3)
        try s.env.eventually("the problem in hooks.log") { (s.env.read(ao.appendingPathComponent("hooks.log")) ?? "").contains("session \(id)") }
    }

    @Test("a hook and a .ao-chained copy that are both someone else's are left alone")
    func conflict() throws {
        let s = try Scenario("hooks-conflict")
        defer { s.close() }
        let hooks = s.repo.appendingPathComponent(".git/hooks")
        try s.env.write("#!/bin/sh\necho mine\n", to: hooks.appendingPathComponent("post-merge"))
        try s.env.write("#!/bin/sh\necho also mine\n", to: hooks.appendingPathComponent("post-merge.ao-chained"))
        let result = try s.ao("hooks", "install")
        expectError(result, "HOOK_CONFLICT", mentioning: ["post-merge"])
        #expect(s.env.read(hooks.appendingPathComponent("post-merge")) == "#!/bin/sh\necho mine\n")
        #expect(s.env.read(hooks.appendingPathComponent("post-merge.ao-chained")) == "#!/bin/sh\necho also mine\n")
        #expect(FileManager.default.isExecutableFile(atPath: hooks.appendingPathComponent("post-commit").path))
    }

    @Test("a git-ao hook edited by hand is neither removed by uninstall nor rewritten by install; its chained hook stays too")
    func editedHookIsKept() throws {
        let s = try Scenario("hooks-edited")
        defer { s.close() }
        let hooks = s.repo.appendingPathComponent(".git/hooks")
        let userCommit = "#!/bin/sh\necho mine\n"
        try s.env.write(userCommit, to: hooks.appendingPathComponent("post-commit"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hooks.appendingPathComponent("post-commit").path)
        #expect(try s.ao("hooks", "install").succeeded)
        let prePush = hooks.appendingPathComponent("pre-push"), postCommit = hooks.appendingPathComponent("post-commit")
        let editedPush = (s.env.read(prePush) ?? "") + "\necho MY-CHECK; exit 1\n"
        let editedCommit = (s.env.read(postCommit) ?? "") + "\necho MY-COMMIT-CHECK\n"
        try s.env.write(editedPush, to: prePush)
        try s.env.write(editedCommit, to: postCommit)

        let status = try s.ao("hooks", "status")
        #expect(status.stdout.contains("pre-push: git-ao's hook, edited by hand"), "\(status.stdout)")
        let uninstall = try s.ao("hooks", "uninstall")
        expectError(uninstall, "HOOK_CONFLICT", mentioning: ["pre-push", "post-commit"])
        #expect(uninstall.stdout.contains("pre-push: kept"), "\(uninstall.stdout)")
        #expect(!uninstall.stdout.contains("pre-push: removed"))
        #expect(s.env.read(prePush) == editedPush)
        #expect(s.env.read(postCommit) == editedCommit)
        #expect(s.env.read(hooks.appendingPathComponent("post-commit.ao-chained")) == userCommit)
        // The unedited hooks were removed as usual.
        #expect(!FileManager.default.fileExists(atPath: hooks.appendingPathComponent("post-merge").path))

        let install = try s.ao("hooks", "install")
        expectError(install, "HOOK_CONFLICT", mentioning: ["pre-push"])
        #expect(s.env.read(prePush) == editedPush)
        #expect(s.env.read(postCommit) == editedCommit)
        #expect(FileManager.default.isExecutableFile(atPath: hooks.appendingPathComponent("post-merge").path))
        let initialised = try s.ao("init")
        expectError(initialised, "HOOK_CONFLICT", mentioning: ["pre-push", "edits made by hand"])
        #expect(s.env.read(prePush) == editedPush)
    }

    @Test("git ao init creates the database, installs the hooks and shows the configuration in force")
    func initCommand() throws {
        let s = try Scenario("init")
        defer { s.close() }
        try s.env.git(["config", "ao.stuckAfter", "5m"], in: s.repo)
        let result = try s.ao("init")
        #expect(result.succeeded, "\(result)")
        // Every migration this build knows (other branches add theirs).
        #expect(result.stdout.contains("(created, schema \(StateStore.migrationNames.count))"))
        #expect(result.stdout.contains("post-checkout: installed"))
        #expect(result.stdout.contains("ao.stuckAfter = 5m (local)"))
        #expect(result.stdout.contains("ao.branchPrefix = ao/ (default)"))
        #expect(result.stdout.contains("custom: "))
        #expect(try s.ao("init").stdout.contains("(already there, schema \(StateStore.migrationNames.count))"))
    }
}

import AOTestSupport
import Foundation
import Testing

/// Issue 21: `git ao merge`, landing a session's work locally.
@Suite("git ao merge")
struct MergeTests {
    func rev(_ rev: String, _ s: Scenario) throws -> String {
        try s.env.git(["rev-parse", rev], in: s.repo).trimmingCharacters(in: .newlines)
    }

    /// Every ref with the commit it names: a refusal must leave all of them as they were.
    func refs(_ s: Scenario) throws -> String {
        try s.env.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: s.repo)
    }

    func commit(_ s: Scenario, in dir: URL, _ file: String, _ content: String, _ message: String) throws {
        try s.env.write(content, to: dir.appendingPathComponent(file))
        try s.env.git(["add", "."], in: dir)
        try s.env.git(["commit", "-q", "-m", message], in: dir)
    }

    /// A session whose agent reports itself idle (as its hooks would).
    func idleSession(_ s: Scenario) throws -> String {
        let id = try s.spawn("--agent", "hooked")
        #expect(try s.signal(id, "idle").succeeded)
        return id
    }

    /// A session with two commits, and a base that moved on since it was spawned.
    func sessionWithWork(_ s: Scenario) throws -> (id: String, worktree: URL, tip: String, oldBase: String) {
        let id = try idleSession(s)
        let worktree = try s.worktreePath(of: id)
        try commit(s, in: worktree, "feature.txt", "one\n", "feature: one")
        try commit(s, in: worktree, "feature2.txt", "two\n", "feature: two")
        try commit(s, in: s.repo, "base.txt", "base\n", "base moved on")
        return (id, worktree, try rev("HEAD", worktree: worktree, s), try rev("main", s))
    }

    func rev(_ rev: String, worktree: URL, _ s: Scenario) throws -> String {
        try s.env.git(["rev-parse", rev], in: worktree).trimmingCharacters(in: .newlines)
    }

    @Test("lands a session with each method: base moved forward, checked-out files follow, session ended, worktree and branch removed, tip archived",
          arguments: ["--rebase", "--squash", "--no-ff"])
    func landsLocally(method: String) throws {
        let s = try Scenario("merge-\(method.dropFirst(2))")
        defer { s.close() }
        let w = try sessionWithWork(s)
        let result = try s.ao("merge", w.id, method, "--json")
        #expect(result.succeeded, "\(result)")
        let report = try result.json()
        let newTip = try rev("main", s)
        #expect(report["new_tip"] as? String == newTip)
        #expect(newTip != w.oldBase)
        #expect(try s.env.git(["merge-base", "--is-ancestor", w.oldBase, newTip], in: s.repo).isEmpty)
        let parents = try s.env.git(["log", "-1", "--format=%P", newTip], in: s.repo).trimmingCharacters(in: .newlines).split(separator: " ")
        let subjects = try s.env.git(["log", "--format=%s", "\(w.oldBase)..\(newTip)"], in: s.repo).split(separator: "\n")
        switch method {
        case "--rebase":
            #expect(subjects == ["feature: two", "feature: one"])
            #expect(parents.count == 1)
        case "--squash":
            #expect(subjects.count == 1 && parents == [Substring(w.oldBase)])
        default:
            #expect(parents == [Substring(w.oldBase), Substring(w.tip)])
        }
        // The main worktree has main checked out: its files and index followed, as ff-only would.
        #expect(s.env.read(s.repo.appendingPathComponent("feature2.txt")) == "two\n")
        #expect(try s.env.git(["status", "--porcelain"], in: s.repo).isEmpty)
        #expect(try rev("refs/ao/archive/\(w.id)", s) == w.tip)
        #expect(try !s.branches().contains("refs/heads/ao/\(w.id)"))
        #expect(!FileManager.default.fileExists(atPath: w.worktree.path))
        #expect(try s.session(w.id)["terminated"] as? Bool == true)
        #expect(try s.eventKinds(w.id).last == "merged")
        #expect(try s.tmuxSessions().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: s.repo.appendingPathComponent(".git/ao/run/merge-\(w.id).json").path))
        #expect(try s.env.git(["for-each-ref", "refs/ao/landing"], in: s.repo).isEmpty)
        // Again (a second merge that waited for this one): said as landed, nothing changed.
        let before = try refs(s)
        expectError(try s.ao("merge", w.id), "NOTHING_TO_MERGE", mentioning: ["already landed", "refs/ao/archive/\(w.id)"])
        #expect(try refs(s) == before)
    }

    @Test("--dry-run says what would land and changes nothing; --keep keeps the worktree and branch")
    func dryRunAndKeep() throws {
        let s = try Scenario("merge-dry")
        defer { s.close() }
        let w = try sessionWithWork(s)
        let before = try refs(s)
        let world = try s.world()
        let dry = try s.ao("merge", w.id, "--dry-run")
        #expect(dry.succeeded && dry.stdout.contains("Would land session \(w.id): 2 commits"), "\(dry)")
        #expect(dry.stdout.contains("feature: one"))
        #expect(try refs(s) == before)
        #expect(try s.world() == world)
        let kept = try s.ao("merge", w.id, "--keep")
        #expect(kept.succeeded, "\(kept)")
        #expect(FileManager.default.fileExists(atPath: w.worktree.path))
        #expect(try rev("ao/\(w.id)", s) == w.tip)
        #expect(try rev("main~2", s) == w.oldBase)
    }

    @Test("refusals change nothing: MERGE_CONFLICT, BASE_DIRTY, NOTHING_TO_MERGE, SESSION_BUSY, REVIEW_FAILED")
    func refusals() throws {
        let s = try Scenario("merge-refuse")
        defer { s.close() }
        let w = try sessionWithWork(s)
        let empty = try idleSession(s)
        // A reviewer that fails, printing a colour escape that must not reach the terminal raw.
        let reviewer = try s.env.installScript("failing-tests", "#!/bin/sh\necho 'running tests'\nprintf '\\033[31mFAILED\\033[0m 3 tests\\n'\nexit 1\n")
        try s.env.git(["config", "ao.review.command", reviewer.path], in: s.repo)

        var before = try refs(s)
        var world = try s.world()
        let failed = try s.ao("merge", w.id)
        expectError(failed, "REVIEW_FAILED", mentioning: ["running tests", "FAILED 3 tests", "merge-\(w.id).log", "--no-review"])
        #expect(!failed.stderr.contains("\u{1b}[31m"), "\(failed.stderr)")
        #expect(try refs(s) == before)
        #expect(try s.world() == world)

        expectError(try s.ao("merge", empty), "NOTHING_TO_MERGE", mentioning: [empty])
        #expect(try refs(s) == before)

        #expect(try s.signal(w.id, "active").succeeded)
        world = try s.world()
        expectError(try s.ao("merge", w.id, "--no-review"), "SESSION_BUSY", mentioning: [w.id, "--force"])
        #expect(try refs(s) == before)
        #expect(try s.world() == world)
        #expect(try s.signal(w.id, "idle").succeeded)

        try s.env.write("local edit\n", to: s.repo.appendingPathComponent("README.md"))
        world = try s.world()
        expectError(try s.ao("merge", w.id, "--no-review"), "BASE_DIRTY", mentioning: ["main", s.repo.lastPathComponent, "stash"])
        #expect(try refs(s) == before)
        #expect(try s.world() == world)
        #expect(s.env.read(s.repo.appendingPathComponent("README.md")) == "local edit\n")
        try s.env.git(["checkout", "--", "README.md"], in: s.repo)

        // An untracked file where the landing puts one: git merge --ff-only would refuse too.
        try s.env.write("mine\n", to: s.repo.appendingPathComponent("feature2.txt"))
        world = try s.world()
        expectError(try s.ao("merge", w.id, "--no-review"), "BASE_DIRTY", mentioning: ["feature2.txt", "untracked"])
        expectError(try s.ao("merge", w.id, "--dry-run"), "BASE_DIRTY", mentioning: ["feature2.txt"])
        #expect(try refs(s) == before)
        #expect(try s.world() == world)
        #expect(s.env.read(s.repo.appendingPathComponent("feature2.txt")) == "mine\n")
        try FileManager.default.removeItem(at: s.repo.appendingPathComponent("feature2.txt"))

        // The base changes a file the session changed too.
        try commit(s, in: s.repo, "feature.txt", "base's own\n", "base edits feature.txt")
        before = try refs(s)
        world = try s.world()
        expectError(try s.ao("merge", w.id, "--no-review"), "MERGE_CONFLICT", mentioning: ["feature.txt", w.id, "--nudge"])
        expectError(try s.ao("merge", w.id, "--no-review", "--squash"), "MERGE_CONFLICT", mentioning: ["feature.txt"])
        #expect(try refs(s) == before)
        #expect(try s.world() == world)
        let dry = try s.ao("merge", w.id, "--dry-run", "--json")
        #expect(dry.succeeded, "\(dry)")
        let conflict = try dry.json()["conflict"] as? [String]
        #expect(conflict == ["feature.txt"], "\(dry)")
    }

    @Test("a base moved by someone else while the reviewer ran is BASE_MOVED, and only their commit is new")
    func baseMovedDuringReview() throws {
        let s = try Scenario("merge-moved")
        defer { s.close() }
        let w = try sessionWithWork(s)
        // The user commits on main while the tests of the landing run.
        let reviewer = try s.env.installScript("user-commits", "#!/bin/sh\ngit -C \"$MAIN_REPO\" commit -q --allow-empty -m 'meanwhile'\n")
        try s.env.git(["config", "ao.review.command", reviewer.path], in: s.repo)
        let world = try s.world()
        let result = try s.ao(arguments: ["merge", w.id], environment: ["MAIN_REPO": s.repo.path])
        expectError(result, "BASE_MOVED", mentioning: ["main", "again"])
        #expect(try rev("main~1", s) == w.oldBase)
        #expect(try rev("ao/\(w.id)", s) == w.tip)
        #expect(try s.world() == world)
        #expect(try s.env.git(["for-each-ref", "refs/ao/landing"], in: s.repo).isEmpty)
        // Run again, it lands on the base as it now is.
        try s.env.git(["config", "--unset", "ao.review.command"], in: s.repo)
        #expect(try s.ao("merge", w.id).succeeded)
        #expect(try s.env.git(["log", "--format=%s", "-3", "main"], in: s.repo).split(separator: "\n") == ["feature: two", "feature: one", "meanwhile"])
    }

    @Test("kill -9 while the reviewer runs leaves the base as it was; killed right after the base moved, a re-run finishes the landing")
    func killMidLanding() throws {
        let s = try Scenario("merge-kill")
        defer { s.close() }
        let w = try sessionWithWork(s)
        let started = s.env.root.appendingPathComponent("reviewer-started")
        // A reviewer that blocks until it is killed: the hook point between computing and moving.
        let reviewer = try s.env.installScript("blocking-tests", "#!/bin/sh\necho $$ > \"$STARTED\"\nexec sleep 1000\n")
        try s.env.git(["config", "ao.review.command", reviewer.path], in: s.repo)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git-ao", "merge", w.id]
        process.currentDirectoryURL = s.repo
        process.environment = s.env.environment.merging(["STARTED": started.path]) { $1 }
        try process.run()
        try s.env.eventually("the reviewer to start") { FileManager.default.fileExists(atPath: started.path) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try rev("main", s) == w.oldBase, "the base is untouched")
        #expect(try rev("ao/\(w.id)", s) == w.tip)
        let landing = try rev("refs/ao/landing/\(w.id)", s)
        #expect(try s.env.git(["log", "--format=%s", "-2", landing], in: s.repo).split(separator: "\n") == ["feature: two", "feature: one"])
        // The killed run's reviewer still runs; its own process ends it (see the next test).
        if let pid = Int32(s.env.read(started)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") { kill(pid, SIGKILL) }

        // The state a kill right after the base's compare-and-swap leaves: base at the new tip,
        // journal not yet updated, files and session not yet done.
        try s.env.git(["update-ref", "refs/heads/main", landing, w.oldBase], in: s.repo)
        try s.env.git(["config", "--unset", "ao.review.command"], in: s.repo)
        let again = try s.ao("merge", w.id)
        #expect(again.succeeded && again.stdout.contains("finished an interrupted landing"), "\(again)")
        #expect(try rev("main", s) == landing)
        #expect(s.env.read(s.repo.appendingPathComponent("feature2.txt")) == "two\n")
        #expect(try s.env.git(["status", "--porcelain"], in: s.repo).isEmpty)
        #expect(try rev("refs/ao/archive/\(w.id)", s) == w.tip)
        #expect(!FileManager.default.fileExists(atPath: w.worktree.path))
        #expect(try s.env.git(["for-each-ref", "refs/ao/landing"], in: s.repo).isEmpty)
    }

    @Test("after a kill before the base moved, a re-run restarts and lands")
    func rerunAfterKillRestarts() throws {
        let s = try Scenario("merge-restart")
        defer { s.close() }
        let w = try sessionWithWork(s)
        let started = s.env.root.appendingPathComponent("reviewer-started")
        let reviewer = try s.env.installScript("blocking-tests", "#!/bin/sh\nif [ -n \"$BLOCK\" ]; then echo $$ > \"$STARTED\"; exec sleep 1000; fi\n")
        try s.env.git(["config", "ao.review.command", reviewer.path], in: s.repo)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git-ao", "merge", w.id]
        process.currentDirectoryURL = s.repo
        process.environment = s.env.environment.merging(["STARTED": started.path, "BLOCK": "1"]) { $1 }
        try process.run()
        try s.env.eventually("the reviewer to start") { FileManager.default.fileExists(atPath: started.path) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let orphan = Int32(s.env.read(started)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        let again = try s.ao("merge", w.id)
        #expect(again.succeeded && again.stdout.contains("restarted"), "\(again)")
        #expect(try s.env.git(["log", "--format=%s", "-2", "main"], in: s.repo).split(separator: "\n") == ["feature: two", "feature: one"])
        #expect(try s.env.git(["worktree", "list"], in: s.repo).split(separator: "\n").count == 1, "the killed run's review worktree is gone")
        if let orphan { try s.env.eventually("the killed run's reviewer to be ended") { kill(orphan, 0) != 0 } }
    }
}

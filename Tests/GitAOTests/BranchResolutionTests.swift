import AOTestSupport
import Foundation
import Platform
import Testing

/// `spawn --branch B`: local, remote-only, `<remote>/B`, new from a base; and the default base.
@Suite("branch resolution")
struct BranchResolutionTests {
    @Test("an existing local branch is used as it is, and is never recorded as created")
    func existingLocal() throws {
        let s = try Scenario("br-local")
        defer { s.close() }
        try s.env.write("x\n", to: s.repo.appendingPathComponent("x.txt"))
        try s.env.git(["checkout", "-q", "-b", "topic"], in: s.repo)
        try s.env.git(["add", "x.txt"], in: s.repo)
        try s.env.git(["commit", "-q", "-m", "topic work"], in: s.repo)
        let tip = try s.env.git(["rev-parse", "topic"], in: s.repo)
        try s.env.git(["checkout", "-q", "main"], in: s.repo)
        let id = try s.spawn("--branch", "topic")
        let path = try s.worktreePath(of: id)
        #expect(try s.env.git(["rev-parse", "HEAD"], in: path) == tip)
        #expect(FileManager.default.fileExists(atPath: path.appendingPathComponent("x.txt").path))
    }

    @Test("a branch only on the remote becomes a local branch tracking it")
    func remoteOnly() throws {
        let s = try Scenario("br-remote")
        defer { s.close() }
        try s.env.git(["branch", "from-remote"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "from-remote"], in: s.repo)
        try s.env.git(["branch", "-D", "from-remote"], in: s.repo)
        for spelling in ["from-remote"] {
            let id = try s.spawn("--branch", spelling)
            #expect(try s.session(id)["branch"] as? String == "from-remote")
            #expect(try s.env.git(["rev-parse", "--abbrev-ref", "from-remote@{upstream}"], in: s.repo) == "origin/from-remote\n")
        }
    }

    @Test("'origin/<branch>' means the remote branch, under its local name")
    func remoteSpelledOut() throws {
        let s = try Scenario("br-spelled")
        defer { s.close() }
        try s.env.git(["branch", "feature"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "feature"], in: s.repo)
        try s.env.git(["branch", "-D", "feature"], in: s.repo)
        let id = try s.spawn("--branch", "origin/feature")
        #expect(try s.session(id)["branch"] as? String == "feature")
        #expect(try s.env.git(["rev-parse", "--abbrev-ref", "feature@{upstream}"], in: s.repo) == "origin/feature\n")
    }

    @Test("a new branch starts at --base, without an upstream")
    func newFromBase() throws {
        let s = try Scenario("br-base")
        defer { s.close() }
        let first = try s.env.git(["rev-parse", "HEAD"], in: s.repo).trimmingCharacters(in: .newlines)
        try s.env.git(["commit", "-q", "--allow-empty", "-m", "second"], in: s.repo)
        try s.env.git(["tag", "v1", first], in: s.repo)
        let id = try s.spawn("--branch", "from-tag", "--base", "v1")
        let session = try s.session(id)
        #expect(session["base_ref"] as? String == "v1")
        #expect(session["base_sha"] as? String == first)
        #expect(try s.env.git(["rev-parse", "from-tag"], in: s.repo) == first + "\n")
        #expect(try s.env.run(["git", "rev-parse", "--abbrev-ref", "from-tag@{upstream}"], in: s.repo).succeeded == false)
    }

    @Test("default base: origin/HEAD, then origin/main, then the current branch")
    func defaultBase() throws {
        let s = try Scenario("br-default")
        defer { s.close() }
        // origin/HEAD -> origin/main.
        #expect(try s.session(try s.spawn())["base_ref"] as? String == "origin/main")

        // Without origin/HEAD: origin/main.
        try s.env.git(["remote", "set-head", "origin", "-d"], in: s.repo)
        #expect(try s.session(try s.spawn())["base_ref"] as? String == "origin/main")

        // Without any remote: the branch checked out where spawn runs.
        let local = try Scenario("br-default-local", origin: false)
        defer { local.close() }
        try local.env.git(["checkout", "-q", "-b", "develop"], in: local.repo)
        try local.env.git(["commit", "-q", "--allow-empty", "-m", "on develop"], in: local.repo)
        let tip = try local.env.git(["rev-parse", "HEAD"], in: local.repo).trimmingCharacters(in: .newlines)
        let id = try local.spawn()
        #expect(try local.session(id)["base_ref"] as? String == "develop")
        #expect(try local.session(id)["base_sha"] as? String == tip)
    }

    @Test("the default branch is <ao.branchPrefix><id>")
    func prefixedBranch() throws {
        let s = try Scenario("br-prefix")
        defer { s.close() }
        try s.env.git(["config", "ao.branchPrefix", "agents/"], in: s.repo)
        let id = try s.spawn()
        #expect(try s.session(id)["branch"] as? String == "agents/\(id)")
        #expect(try s.worktreePath(of: id).lastPathComponent == "agents-\(id)")
    }

    @Test("spawn works from a linked worktree and -c config overrides apply")
    func fromLinkedWorktree() throws {
        let s = try Scenario("br-linked")
        defer { s.close() }
        let linked = s.env.root.appendingPathComponent("linked")
        try s.env.git(["worktree", "add", "-q", "-b", "linked", linked.path], in: s.repo)
        let result = try s.env.run(["git", "-c", "ao.branchPrefix=from-linked/", "ao", "spawn", "--no-attach"], in: linked)
        #expect(result.succeeded, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The same sessions are seen from every worktree.
        let status = try s.env.ao(["status", "--porcelain"], in: linked)
        #expect(status.stdout.contains("s \(id) working fake"))
        #expect(try s.session(id)["branch"] as? String == "from-linked/\(id)")
        // And -C works like git's.
        let elsewhere = try s.env.run(["git-ao", "-C", s.repo.path, "status", "--porcelain"], in: s.env.root)
        #expect(elsewhere.stdout.contains("s \(id) "))
    }
}

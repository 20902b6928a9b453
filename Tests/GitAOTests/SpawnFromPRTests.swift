import AOTestSupport
import Foundation
import Testing

/// `git ao spawn --pr <number>`: a session on an existing pull request's head, already linked.
@Suite("spawn --pr")
struct SpawnFromPRTests {
    /// A world whose `github` remote is https://github.com/acme/widgets.git, rewritten by git's
    /// own insteadOf to a local bare repository holding the PR branches.
    func world(_ label: String) throws -> (ForgeObservationTests.World, URL) {
        let w = try ForgeObservationTests.World(label)
        let upstream = w.s.env.root.appendingPathComponent("upstream.git")
        try w.s.env.git(["clone", "-q", "--bare", w.s.repo.path, upstream.path], in: w.s.env.root)
        try w.s.env.git(["remote", "set-url", "github", "https://github.com/acme/widgets.git"], in: w.s.repo)
        try w.s.env.git(["config", "url.\(upstream.path).insteadOf", "https://github.com/acme/widgets.git"], in: w.s.repo)
        // A branch of the repository itself, and a fork's head under refs/pull.
        let main = try w.s.env.git(["rev-parse", "HEAD"], in: w.s.repo).trimmingCharacters(in: .whitespacesAndNewlines)
        let scratch = w.s.env.root.appendingPathComponent("scratch")
        try w.s.env.git(["clone", "-q", upstream.path, scratch.path], in: w.s.env.root)
        try w.s.env.write("feature\n", to: scratch.appendingPathComponent("feature.txt"))
        try w.s.env.git(["add", "feature.txt"], in: scratch)
        try w.s.env.git(["commit", "-qm", "feature"], in: scratch)
        try w.s.env.git(["push", "-q", "origin", "HEAD:refs/heads/feature-x", "HEAD:refs/pull/32/head"], in: scratch)
        _ = main
        return (w, upstream)
    }

    func spawn(_ w: ForgeObservationTests.World, _ number: String) throws -> RunResult {
        try w.s.ao(arguments: ["spawn", "--no-attach", "--pr", number], environment: w.github)
    }

    @Test("a PR from the repository's own branch: the branch is fetched, the session linked; a second spawn is refused")
    func ownBranch() throws {
        let (w, _) = try world("pr-own")
        defer { w.close() }
        let pr = GitHubFixtures.pullRequest(number: 31, branch: "feature-x", headSHA: String(repeating: "e", count: 40))
        w.server.expect(w.base + "/pulls/31", times: 2, .json(pr))
        let result = try spawn(w, "31")
        #expect(result.succeeded, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let session = try w.s.session(id)
        #expect(session["branch"] as? String == "feature-x")
        #expect(session["pr_number"] as? Int == 31)
        #expect(FileManager.default.fileExists(atPath: (session["worktree"] as! String) + "/feature.txt"))
        expectError(try spawn(w, "31"), "PR_CLAIMED_BY_ACTIVE_SESSION", mentioning: ["#31", id])
        try w.server.verify()
    }

    @Test("a fork's PR is fetched from refs/pull/<n>/head")
    func fork() throws {
        let (w, _) = try world("pr-fork")
        defer { w.close() }
        let pr = GitHubFixtures.pullRequest(number: 32, branch: "feature-x", headSHA: String(repeating: "f", count: 40), headRepository: "mallory/widgets")
        w.server.expect(w.base + "/pulls/32", .json(pr))
        let result = try spawn(w, "32")
        #expect(result.succeeded, "\(result)")
        let session = try w.s.session(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(session["branch"] as? String == "ao/pr-32")
        #expect(session["pr_number"] as? Int == 32)
        #expect(FileManager.default.fileExists(atPath: (session["worktree"] as! String) + "/feature.txt"))
        try w.server.verify()
    }

    @Test("clear errors: PR_NOT_FOUND, PR_NOT_OPEN, GITHUB_UNAVAILABLE; nothing is left behind")
    func errors() throws {
        let (w, _) = try world("pr-errors")
        defer { w.close() }
        let before = try w.s.world()
        w.server.expect(w.base + "/pulls/404", .json(["message": "Not Found"], status: 404))
        expectError(try spawn(w, "404"), "PR_NOT_FOUND", mentioning: ["#404", "acme/widgets"])
        let closed = GitHubFixtures.pullRequest(number: 33, branch: "feature-x", headSHA: String(repeating: "a", count: 40), state: "closed")
        w.server.expect(w.base + "/pulls/33", .json(closed))
        expectError(try spawn(w, "33"), "PR_NOT_OPEN", mentioning: ["#33", "closed"])
        var noToken = w.github
        noToken["AO_GITHUB_TOKEN"] = nil
        expectError(try w.s.ao(arguments: ["spawn", "--no-attach", "--pr", "31"], environment: noToken), "GITHUB_UNAVAILABLE", mentioning: ["token"])
        #expect(try w.s.world() == before)
        #expect(try w.s.ao("spawn", "--pr", "x").status == 64)
        #expect(try w.s.ao("spawn", "--pr", "3", "--branch", "b").status == 64)
        try w.server.verify()
    }
}

import AOTestSupport
import Foundation
import Testing

/// Issue 21: `git ao merge` of a session with an open pull request lands through GitHub.
@Suite("git ao merge through GitHub")
struct MergeGitHubTests {
    static let token = "ghp_MERGE_SECRET_TOKEN_2121"
    let base = "/repos/acme/widgets"

    /// A session whose open pull request #`number` (head: its branch tip, CI green) one pass has observed.
    func sessionWithPR(_ s: Scenario, _ server: GitHubTestServer, number: Int, github: [String: String],
                       conclusion: String = "success") throws -> (id: String, tip: String) {
        let id = try s.spawn("--agent", "hooked")
        #expect(try s.signal(id, "idle").succeeded)
        let tip = try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["pr\(number).txt": "x\n"], message: "work for #\(number)")
        let branch = try s.session(id)["branch"] as! String
        let pr = GitHubFixtures.pullRequest(number: number, branch: branch, headSHA: tip, mergeable: true, mergeableState: "clean")
        server.reset()
        server.expect(base + "/pulls?state=open&per_page=100", .json([pr], etag: "\"list\(number)\""))
        server.expect("\(base)/pulls/\(number)", .json(pr, etag: "\"pr\(number)\""))
        server.expect("\(base)/commits/\(tip)/check-runs?per_page=100",
                      .json(GitHubFixtures.checkRuns([GitHubFixtures.checkRun(id: 70 + number, name: "tests", headSHA: tip, conclusion: conclusion)]), etag: "\"r\(number)\""))
        server.expect("\(base)/commits/\(tip)/status?per_page=100", .json(["state": "success", "statuses": [Any]()], etag: "\"s\(number)\""))
        server.expect("\(base)/pulls/\(number)/reviews?per_page=100", .json([Any](), etag: "\"v\(number)\""))
        server.expect("\(base)/pulls/\(number)/comments?per_page=100", .json([Any](), etag: "\"c\(number)\""))
        if conclusion != "success" { server.expect("\(base)/actions/jobs/\(70 + number)/logs", times: nil, .text("2026-01-01T00:00:00.0000000Z 1 test failed\n")) }
        server.expect("/graphql", method: "POST", times: nil, .json(GitHubFixtures.graphQLThreadsPage([])))
        let observed = try s.ao(arguments: ["observe", "--refresh"], environment: github)
        #expect(observed.succeeded, "\(observed)")
        try server.verify()
        server.reset()
        return (id, tip)
    }

    func refs(_ s: Scenario) throws -> String {
        try s.env.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: s.repo)
    }

    @Test("an open pull request is merged through GitHub with the expected head and the method; once GitHub reports it merged, the session is retired")
    func landsThroughGitHub() throws {
        let s = try Scenario("merge-gh")
        let server = try GitHubTestServer()
        defer { server.stop(); s.close() }
        try s.env.git(["remote", "add", "github", "git@github.com:acme/widgets.git"], in: s.repo)
        try s.env.git(["config", "ao.remote", "github"], in: s.repo)
        let github = ["AO_GITHUB_API_URL": server.baseURL, "AO_GITHUB_TOKEN": MergeGitHubTests.token]
        let (id, tip) = try sessionWithPR(s, server, number: 31, github: github)
        let mainBefore = try s.env.git(["rev-parse", "main"], in: s.repo)

        let dry = try s.ao(arguments: ["merge", id, "--dry-run"], environment: github)
        #expect(dry.succeeded && dry.stdout.contains("Would merge pull request #31"), "\(dry)")
        #expect(server.requests.isEmpty, "a dry run asks GitHub nothing")

        let mergedSHA = String(repeating: "e", count: 40)
        server.expect("\(base)/pulls/31/merge", method: "PUT",
                      .json(["sha": mergedSHA, "merged": true, "message": "Pull Request successfully merged"]))
        var merged = GitHubFixtures.pullRequest(number: 31, branch: try s.session(id)["branch"] as! String, headSHA: tip, state: "closed", merged: true)
        merged["merged_at"] = "2026-01-03T00:00:00Z"
        server.expect("\(base)/pulls/31", .json(merged))
        let result = try s.ao(arguments: ["merge", id, "--squash", "--json"], environment: github)
        #expect(result.succeeded, "\(result)")
        try server.verify()
        let put = server.requests.first { $0.method == "PUT" }
        let body = (try? JSONSerialization.jsonObject(with: put?.body ?? Data())) as? [String: Any]
        #expect(body?["sha"] as? String == tip && body?["merge_method"] as? String == "squash", "\(String(describing: body))")
        #expect(put?.header("authorization") == "Bearer \(MergeGitHubTests.token)")
        #expect(try result.json()["pull_request"] as? Int == 31)
        #expect(try s.session(id)["terminated"] as? Bool == true)
        #expect(try !s.branches().contains("refs/heads/ao/\(id)") && s.branches().contains("refs/ao/archive/\(id)"))
        #expect(try s.env.git(["rev-parse", "main"], in: s.repo) == mainBefore, "the local base is left to git fetch")
        #expect(!result.stdout.contains(MergeGitHubTests.token) && !result.stderr.contains(MergeGitHubTests.token))
    }

    @Test("GitHub's 405 is PR_NOT_MERGEABLE and 409 is PR_HEAD_MOVED, with nothing changed; --local lands locally anyway",
          arguments: [405, 409])
    func refusals(status: Int) throws {
        let s = try Scenario("merge-gh-\(status)")
        let server = try GitHubTestServer()
        defer { server.stop(); s.close() }
        try s.env.git(["remote", "add", "github", "git@github.com:acme/widgets.git"], in: s.repo)
        try s.env.git(["config", "ao.remote", "github"], in: s.repo)
        let github = ["AO_GITHUB_API_URL": server.baseURL, "AO_GITHUB_TOKEN": MergeGitHubTests.token]
        let (id, _) = try sessionWithPR(s, server, number: 40 + status % 10, github: github)
        let message = status == 405 ? "Required status check \"tests\" is expected." : "Head branch was modified. Review and try the merge again."
        server.expect("\(base)/pulls/\(40 + status % 10)/merge", method: "PUT",
                      .json(["message": message, "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"], status: status))
        let before = try refs(s)
        let world = try s.world()
        let result = try s.ao(arguments: ["merge", id], environment: github)
        expectError(result, status == 405 ? "PR_NOT_MERGEABLE" : "PR_HEAD_MOVED", mentioning: [message, "#\(40 + status % 10)"])
        try server.verify()
        #expect(try refs(s) == before)
        #expect(try s.world() == world)
        #expect(!result.stderr.contains(MergeGitHubTests.token))

        server.reset()
        let local = try s.ao(arguments: ["merge", id, "--local"], environment: github)
        #expect(local.succeeded && local.stdout.contains("Landed session \(id)"), "\(local)")
        #expect(server.requests.isEmpty)
    }

    @Test("a pull request whose CI failed is PR_NOT_MERGEABLE without asking GitHub to merge, and nothing changes")
    func redCI() throws {
        let s = try Scenario("merge-gh-red")
        let server = try GitHubTestServer()
        defer { server.stop(); s.close() }
        try s.env.git(["remote", "add", "github", "git@github.com:acme/widgets.git"], in: s.repo)
        try s.env.git(["config", "ao.remote", "github"], in: s.repo)
        let github = ["AO_GITHUB_API_URL": server.baseURL, "AO_GITHUB_TOKEN": MergeGitHubTests.token]
        let (id, _) = try sessionWithPR(s, server, number: 52, github: github, conclusion: "failure")
        let before = try refs(s)
        let world = try s.world()
        expectError(try s.ao(arguments: ["merge", id], environment: github), "PR_NOT_MERGEABLE", mentioning: ["#52", "CI is failing", "--local"])
        #expect(server.requests.isEmpty, "\(server.requests)")
        #expect(try refs(s) == before)
        #expect(try s.world() == world)
    }
}

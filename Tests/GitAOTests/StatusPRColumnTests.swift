import AOTestSupport
import Foundation
import Testing

/// The status PR column says what became of the pull request: a merged, closed or draft PR is
/// never shown like an open one.
@Suite("status: the PR column says merged, closed and draft")
struct StatusPRColumnTests {
    @Test("a draft PR with failing CI shows `#31 draft`; once merged `#31 merged`, once closed `#32 closed`, in status, -v, --json and show",
          .timeLimit(.minutes(15)))
    func mergedClosedDraft() throws {
        let w = try ForgeObservationTests.World("status-pr-column")
        defer { w.close() }
        let one = try w.s.spawn("--name", "one")
        let two = try w.s.spawn("--name", "two")
        let sha1 = String(repeating: "a", count: 40), sha2 = String(repeating: "b", count: 40)
        let draft = GitHubFixtures.pullRequest(number: 31, branch: try w.branch(one), headSHA: sha1, draft: true)
        let open = GitHubFixtures.pullRequest(number: 32, branch: try w.branch(two), headSHA: sha2)
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json([draft, open], etag: "\"l1\""))
        w.serve(pr: draft, runs: [GitHubFixtures.checkRun(id: 7, name: "unit", headSHA: sha1, conclusion: "failure", actions: false)])
        w.serve(pr: open)
        w.server.expect("/graphql", method: "POST", times: nil, .json(GitHubFixtures.graphQLThreadsPage([])))
        try w.observe("--refresh")

        func row(_ id: String, _ arguments: String...) throws -> String {
            let status = try w.s.ao(arguments: ["status"] + arguments)
            return try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix(id + " ") }.map(String.init), "\(status)")
        }
        let draftRow = try row(one)
        #expect(draftRow.contains("#31 draft") && draftRow.contains("failing"), "\(draftRow)")
        #expect(try row(one, "-v").contains("#31 draft"))
        #expect(try w.s.session(one)["pr_state"] as? String == "draft")
        #expect(try w.s.ao("show", one).stdout.contains("#31 draft"))
        let openRow = try row(two)
        #expect(openRow.contains("#32") && !["draft", "merged", "closed"].contains { openRow.contains("#32 " + $0) }, "an open PR needs no word: \(openRow)")

        // Both leave the open list: 31 merged, 32 closed without merging.
        w.server.reset()
        var merged = draft, closed = open
        merged["state"] = "closed"; merged["merged"] = true; merged["merged_at"] = "2026-01-03T00:00:00Z"; merged["draft"] = false
        closed["state"] = "closed"; closed["closed_at"] = "2026-01-03T00:00:00Z"
        w.server.expect(w.base + "/pulls?state=open&per_page=100", .json([Any](), etag: "\"l2\""))
        w.server.expect(w.base + "/pulls/31", .json(merged, etag: "\"m31\""))
        w.server.expect(w.base + "/pulls/32", .json(closed, etag: "\"c32\""))
        try w.observe("--refresh")
        #expect(try w.s.session(one)["pr_state"] as? String == "merged")
        #expect(try w.s.session(two)["pr_state"] as? String == "closed")
        let mergedRow = try row(one), closedRow = try row(two)
        #expect(mergedRow.contains("#31 merged"), "\(mergedRow)")
        #expect(closedRow.contains("#32 closed"), "\(closedRow)")
        let verbose = try row(one, "-v")
        #expect(verbose.contains("#31 merged") && verbose.contains("pull request #31 was merged"), "\(verbose)")
        #expect(try w.s.session(one)["pr_status"] as? String == "merged")
        #expect(try w.s.session(two)["pr_status"] as? String == "closed")
        let show = try w.s.ao("show", one).stdout
        #expect(show.contains("#31 merged") && !show.contains("merged, merged"), "\(show)")
        try w.server.verify()
    }
}

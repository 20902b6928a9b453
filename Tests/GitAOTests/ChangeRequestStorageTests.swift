import AOTestSupport
import Foundation
import Testing

/// The observer half of "a changes-requested review with only a summary body": through the
/// binary, the review is kept with the PR's stored facts, and stays there while the PR is
/// unchanged (what the reaction that delivers it reads).
@Suite("change requests stored end to end")
struct ChangeRequestStorageTests {
    @Test("a changes-requested review's body and author are stored with the facts and kept by an unchanged poll", .timeLimit(.minutes(15)))
    func stored() throws {
        let w = try ForgeObservationTests.World("forge-change-requests")
        defer { w.close() }
        let id = try w.s.spawn()
        let head = String(repeating: "a", count: 40)
        let pr = GitHubFixtures.pullRequest(number: 12, branch: try w.branch(id), headSHA: head, mergeable: true, mergeableState: "clean")
        w.server.expect(w.base + "/pulls?state=open&per_page=100", times: 2, .json([pr], etag: "\"list\""))
        w.serve(pr: pr, reviews: [
            GitHubFixtures.review(id: 9001, login: "bob", state: "CHANGES_REQUESTED", body: "Split parse() in two."),
            GitHubFixtures.review(id: 9002, login: "alice", state: "APPROVED", body: "ok by me"),
        ], checksTimes: 2)
        w.server.expect("/graphql", method: "POST", .json(GitHubFixtures.graphQLThreadsPage([])))
        try w.observe("--refresh")
        let stored = try w.s.sql("SELECT facts FROM forge_pr_facts WHERE number = 12")
        let facts = try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any]
        let requests = facts?["change_requests"] as? [[String: Any]]
        #expect(requests?.count == 1, "\(stored)")
        #expect(requests?.first?["id"] as? Int == 9001 && requests?.first?["author"] as? String == "bob")
        #expect(requests?.first?["body"] as? String == "Split parse() in two.")

        try w.observe("--refresh")
        #expect(try w.s.sql("SELECT facts FROM forge_pr_facts WHERE number = 12") == stored)
        try w.server.verify()
    }
}

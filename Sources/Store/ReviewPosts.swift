import Lifecycle

/// A review run's verdict as posted to GitHub (`ao.review.post`).
public struct ReviewGitHubPost: Equatable, Sendable {
    public let repository: String
    public let pullRequest: Int
    /// The id GitHub gave the posted review; nil when posting failed.
    public let reviewID: Int64?
    /// Why posting failed.
    public let error: String?
    public let at: Timestamp
}

extension StateStore {
    /// Records the outcome of posting run `id`'s verdict (the latest attempt wins).
    public func recordReviewPost(run id: Int64, repository: String, pullRequest: Int, reviewID: Int64?, error: String?, at now: Timestamp) throws {
        try connection.prepare("""
            INSERT INTO review_run_github_post (run_id, repository, pr_number, github_review_id, error, at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(run_id) DO UPDATE SET repository = excluded.repository, pr_number = excluded.pr_number,
                github_review_id = excluded.github_review_id, error = excluded.error, at = excluded.at
            """).run([.int(id), .text(repository), .int(Int64(pullRequest)), SQLValue(reviewID), SQLValue(error), .int(now.milliseconds)])
    }

    public func reviewPost(run id: Int64) throws -> ReviewGitHubPost? {
        let rows = try connection.prepare("SELECT repository, pr_number, github_review_id, error, at FROM review_run_github_post WHERE run_id = ?")
        try rows.bind([.int(id)])
        guard try rows.step() else { return nil }
        return ReviewGitHubPost(repository: rows.text(0) ?? "", pullRequest: Int(rows.int(1)), reviewID: rows.optionalInt(2),
                                error: rows.text(3), at: Timestamp(milliseconds: rows.int(4)))
    }

    /// The ids of every review git-ao posted to `repository`: Forge never sends them back.
    public func postedReviewIDs(repository: String) throws -> Set<Int64> {
        let rows = try connection.prepare("SELECT github_review_id FROM review_run_github_post WHERE repository = ? AND github_review_id IS NOT NULL")
        try rows.bind([.text(repository)])
        var ids = Set<Int64>()
        while try rows.step() { if let id = rows.optionalInt(0) { ids.insert(id) } }
        return ids
    }
}

import Foundation
import Testing

/// GitHub objects built from the real recorded payloads in `Tests/Fixtures/github` (see its
/// README and licence: copies of octokit/webhooks' payload examples kept in the repository): tests change only the fields a scenario needs, so every decoder meets GitHub's real
/// nulls and extra fields.
public enum GitHubFixtures {
    /// `<package root>/Tests/Fixtures/github`: inside the repository, so a clone alone runs its tests.
    public static var directory: URL {
        TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/github")
    }

    /// The object under `key` in a payload file, e.g. `("pull_request/opened.payload.json", "pull_request")`.
    public static func object(_ file: String, _ key: String) -> [String: Any] {
        let url = directory.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url),
              let payload = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let object = payload[key] as? [String: Any] else {
            // An ordinary failure of the test that asked, naming the file; the run goes on (the
            // helpers below read what is missing as empty rather than trap).
            Issue.record("GitHub fixture \(url.path) is missing or has no '\(key)' object (the recorded payloads live in Tests/Fixtures/github)")
            return [:]
        }
        return object
    }

    /// An open pull request from the recorded `opened` payload.
    public static func pullRequest(number: Int, branch: String, headSHA: String, repository: String = "acme/widgets",
                                   headRepository: String? = nil, headRepositoryDeleted: Bool = false, state: String = "open", draft: Bool = false,
                                   merged: Bool = false, mergeable: Bool? = nil, mergeableState: String = "unknown",
                                   updatedAt: String = "2026-01-01T00:00:00Z", base: String = "main",
                                   reviewRequested: Bool = false) -> [String: Any] {
        var pr = object("pull_request/opened.payload.json", "pull_request")
        if !reviewRequested { pr["requested_reviewers"] = [Any](); pr["requested_teams"] = [Any]() }
        pr["number"] = number
        pr["state"] = state
        pr["draft"] = draft
        pr["merged"] = merged
        pr["mergeable"] = mergeable.map { $0 as Any } ?? NSNull()
        pr["mergeable_state"] = mergeableState
        pr["updated_at"] = updatedAt
        pr["html_url"] = "https://github.com/\(repository)/pull/\(number)"
        var head = pr["head"] as? [String: Any] ?? [:]
        head["ref"] = branch
        head["sha"] = headSHA
        var headRepo = head["repo"] as? [String: Any] ?? [:]
        headRepo["full_name"] = headRepository ?? repository
        // A fork deleted after its PR was opened: GitHub answers `head.repo: null`.
        head["repo"] = headRepositoryDeleted ? NSNull() : headRepo
        pr["head"] = head
        var baseObject = pr["base"] as? [String: Any] ?? [:]
        baseObject["ref"] = base
        var baseRepo = baseObject["repo"] as? [String: Any] ?? [:]
        baseRepo["full_name"] = repository
        baseObject["repo"] = baseRepo
        pr["base"] = baseObject
        return pr
    }

    /// A check run from the recorded `completed` payload. `conclusion: nil` with status
    /// `in_progress` or `queued` is a check still running.
    public static func checkRun(id: Int, name: String, headSHA: String, status: String = "completed", conclusion: String?,
                                actions: Bool = true, title: String? = nil, summary: String? = nil) -> [String: Any] {
        var run = object("check_run/completed.payload.json", "check_run")
        run["id"] = id
        run["name"] = name
        run["head_sha"] = headSHA
        run["status"] = status
        run["conclusion"] = conclusion.map { $0 as Any } ?? NSNull()
        run["html_url"] = "https://github.com/acme/widgets/runs/\(id)"
        var app = run["app"] as? [String: Any] ?? [:]
        // The recorded payload predates `app.slug`; the REST API has it.
        app["slug"] = actions ? "github-actions" : "other-ci"
        run["app"] = app
        var output = run["output"] as? [String: Any] ?? [:]
        output["title"] = title.map { $0 as Any } ?? NSNull()
        output["summary"] = summary.map { $0 as Any } ?? NSNull()
        run["output"] = output
        return run
    }

    public static func checkRuns(_ runs: [[String: Any]]) -> [String: Any] {
        ["total_count": runs.count, "check_runs": runs]
    }

    /// A review from the recorded `submitted` payload (whose body is null unless `body` is given).
    public static func review(id: Int, login: String, state: String, submittedAt: String = "2026-01-01T00:00:00Z",
                              body: String? = nil, bot: Bool = false) -> [String: Any] {
        var review = object("pull_request_review/submitted.payload.json", "review")
        review["id"] = id
        review["state"] = state
        review["submitted_at"] = submittedAt
        if let body { review["body"] = body }
        review["html_url"] = "https://github.com/acme/widgets/pull/1#pullrequestreview-\(id)"
        var user = review["user"] as? [String: Any] ?? [:]
        user["login"] = login
        if bot { user["type"] = "Bot" }
        review["user"] = user
        return review
    }

    /// A legacy commit status as `/commits/{sha}/status` lists it. The recorded payloads hold no
    /// status object, so it is made of fields of recorded ones: the review's user as its
    /// creator, the check run's timestamps; only `state`, `context` and the texts are the test's.
    public static func commitStatus(id: Int, context: String, state: String, description: String? = nil) -> [String: Any] {
        let run = object("check_run/completed.payload.json", "check_run")
        let creator = object("pull_request_review/submitted.payload.json", "review")["user"] ?? NSNull()
        return [
            "id": id, "node_id": "SC_\(id)", "state": state, "context": context,
            "description": description.map { $0 as Any } ?? NSNull(),
            "target_url": "https://ci.example/\(context)/\(id)",
            "url": "https://api.github.com/repos/acme/widgets/statuses/\(id)",
            "avatar_url": NSNull(), "creator": creator,
            "created_at": run["started_at"] ?? NSNull(), "updated_at": run["completed_at"] ?? NSNull(),
        ]
    }

    /// One page of a commit's combined status: `state` and `total_count` describe every status,
    /// `statuses` only this page's; the repository is the recorded pull request's base.
    public static func combinedStatus(sha: String, state: String, totalCount: Int, statuses: [[String: Any]]) -> [String: Any] {
        let pr = object("pull_request/opened.payload.json", "pull_request")
        let repository = (pr["base"] as? [String: Any])?["repo"] ?? NSNull()
        return [
            "state": state, "sha": sha, "total_count": totalCount, "statuses": statuses, "repository": repository,
            "commit_url": "https://api.github.com/repos/acme/widgets/commits/\(sha)",
            "url": "https://api.github.com/repos/acme/widgets/commits/\(sha)/status",
        ]
    }

    /// A review thread as GraphQL returns it, built from the recorded thread's first comment.
    public static func graphQLThread(id: String, path: String = "README.md", line: Int?, originalLine: Int? = nil,
                                     resolved: Bool = false, outdated: Bool = false,
                                     comments: [(id: Int, author: String, bot: Bool, body: String)],
                                     moreCommentsCursor: String? = nil, reviewID: Int? = nil) -> [String: Any] {
        [
            "id": id, "isResolved": resolved, "isOutdated": outdated, "path": path,
            "line": line.map { $0 as Any } ?? NSNull(),
            "originalLine": (originalLine ?? line).map { $0 as Any } ?? NSNull(),
            "comments": ["pageInfo": ["hasNextPage": moreCommentsCursor != nil, "endCursor": moreCommentsCursor.map { $0 as Any } ?? NSNull()],
                         "nodes": graphQLComments(comments, reviewID: reviewID)],
        ]
    }

    /// GraphQL review comment nodes.
    public static func graphQLComments(_ comments: [(id: Int, author: String, bot: Bool, body: String)], reviewID: Int? = nil) -> [[String: Any]] {
        let recorded = object("pull_request_review_thread/resolved.payload.json", "thread")
        let template = (recorded["comments"] as? [[String: Any]])?.first ?? [:]
        return comments.map { comment in
                [
                    "databaseId": comment.id,
                    "author": ["login": comment.author, "__typename": comment.bot ? "Bot" : "User"],
                    "body": comment.body,
                    "url": (template["html_url"] as? String ?? "https://github.com/x") + "-\(comment.id)",
                    "createdAt": template["created_at"] as? String ?? "2026-01-01T00:00:00Z",
                    "pullRequestReview": reviewID.map { ["databaseId": $0] as Any } ?? NSNull(),
                ] as [String: Any]
        }
    }

    /// A GraphQL answer holding a further page of one thread's comments (the `node` query).
    public static func graphQLCommentsPage(_ comments: [(id: Int, author: String, bot: Bool, body: String)], nextCursor: String? = nil) -> [String: Any] {
        ["data": ["node": ["comments": [
            "pageInfo": ["hasNextPage": nextCursor != nil, "endCursor": nextCursor.map { $0 as Any } ?? NSNull()],
            "nodes": graphQLComments(comments),
        ]]]]
    }

    /// A GraphQL answer holding one page of review threads.
    public static func graphQLThreadsPage(_ threads: [[String: Any]], nextCursor: String? = nil) -> [String: Any] {
        ["data": ["repository": ["pullRequest": ["reviewThreads": [
            "pageInfo": ["hasNextPage": nextCursor != nil, "endCursor": nextCursor.map { $0 as Any } ?? NSNull()],
            "nodes": threads,
        ]]]]]
    }
}

import ArgumentParser
import Lifecycle
import Platform
import Store

/// `git ao review`: every commit of a session gets a review; the verdict goes back to the worker.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review sessions' commits with an agent or a command, and send requested changes back to the worker.",
        discussion: """
            With git-ao's hooks installed, each commit in a session's worktree starts a review in the \
            background (ao.review.debounce groups quick commits into one review of the last). An \
            agent reviewer (ao.review.agent) runs read-only in tmux session ao-<id>-review and submits \
            its verdict with 'git ao review submit'; a command reviewer (ao.review.command) runs in a \
            temporary worktree at the commit, and its exit status is the verdict. A changes_requested \
            verdict is typed into the worker while that commit is still its HEAD, at most 3 times per \
            branch and reviewer; then the human is notified instead. With ao.review.post=true and an \
            open pull request, each verdict is also posted to it as a COMMENT review; 'review show' \
            says which review it became or why it could not be posted. A run whose reviewer is gone,             or has not finished within ao.review.timeout (a command) or submitted within it (an             agent), fails at the next observation pass: it shows as failed, and is never sent to the             worker.
            """,
        subcommands: [ReviewTriggerCommand.self, ReviewListCommand.self, ReviewShowCommand.self, ReviewSubmitCommand.self,
                      ReviewCancelCommand.self, ReviewExecuteCommand.self, ReviewAfterCommitCommand.self],
        defaultSubcommand: ReviewListCommand.self
    )

    /// Finds a run by its number.
    static func run(_ handle: String, store: StateStore?) throws -> ReviewRun {
        let digits = handle.hasPrefix("#") ? String(handle.dropFirst()) : handle
        guard let id = Int64(digits), let store, let run = try store.reviewRun(id) else { throw Messages.reviewRunNotFound(handle) }
        return run
    }
}

/// One run as `list --json` and `show --json` print it.
struct ReviewRunView: Encodable {
    let id: Int64
    let session: String
    let reviewer: String
    let branch: String
    let sha: String
    let base: String
    let status: String
    let verdict: String?
    let body: String?
    let note: String?
    let log: String?
    let created_at: String
    let completed_at: String?
    let delivered_at: String?
    /// ao.review.post: the GitHub review the verdict became, or why posting failed.
    let github_review_id: Int64?
    let github_post_error: String?

    init(_ run: ReviewRun, withBody: Bool, post: ReviewGitHubPost? = nil) {
        github_review_id = post?.reviewID
        github_post_error = post?.error
        id = run.id
        session = run.sessionID.rawValue
        reviewer = run.reviewer
        branch = run.branch
        sha = run.targetSHA
        base = run.baseSHA
        status = run.status.rawValue
        verdict = run.verdict?.rawValue
        body = withBody ? run.body : nil
        note = run.note
        log = run.logPath
        created_at = isoTimestamp(run.createdAt)
        completed_at = run.completedAt.map(isoTimestamp)
        delivered_at = run.deliveredAt.map(isoTimestamp)
    }
}

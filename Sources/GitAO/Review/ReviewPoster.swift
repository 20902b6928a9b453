import Forge
import Lifecycle
import Platform
import Store

/// `ao.review.post=true`: a recorded verdict is also posted to the session's open pull request,
/// as a review with event COMMENT (GitHub refuses approve or request changes on one's own PR, so
/// the verdict is in the body), through Forge's transport and token. The review id is kept on
/// the run, so Forge's observation knows the review and its comments as git-ao's own; the body
/// also carries the own-comment marker. A failure to post is recorded on the run and in
/// hooks.log; the verdict, already stored, is never touched by it.
enum ReviewPoster {
    /// Posts run `run`'s verdict when the setting asks for it and the session has an open pull
    /// request. Never throws: posting is a side effect of recording a verdict.
    static func postIfAsked(_ run: ReviewRun, workspace: Workspace, store: StateStore) {
        guard let config = try? workspace.config(), (try? config.bool(ConfigKeys.reviewPost)) == true,
              let verdict = run.verdict else { return }
        guard let session = try? store.session(run.sessionID), let pr = session.pr, pr.state == .open || pr.state == .draft else { return }
        if let earlier = try? store.reviewPost(run: run.id), earlier.reviewID != nil { return } // posted already
        let aoDirectory = workspace.location.aoDirectory
        func fail(_ repository: String, _ why: String) {
            HookLog.append("review run \(run.id): not posted to pull request #\(pr.number): \(why)", aoDirectory: aoDirectory)
            _ = try? workspace.storeCall {
                try store.recordReviewPost(run: run.id, repository: repository, pullRequest: pr.number, reviewID: nil, error: why, at: Clock.now())
            }
        }
        guard case .on(let configuration, let slug) = ForgeStep.target(workspace: workspace, config: config) else {
            if case .off(let why) = ForgeStep.target(workspace: workspace, config: config) { fail("", "GitHub is off: \(why)") }
            return
        }
        guard let token = TokenSource.find(environment: Environment.all(), configuration: configuration, directory: workspace.location.commonDir) else {
            fail(slug.fullName, ForgeStep.noToken)
            return
        }
        let client = GitHubClient(configuration: configuration, token: token, transport: CurlTransport(caInfo: configuration.caInfo),
                                  version: GitAOCommand.version)
        switch client.postReview(slug, pullRequest: pr.number, body: body(run, verdict: verdict)) {
        case .success(let id):
            _ = try? workspace.storeCall {
                try store.recordReviewPost(run: run.id, repository: slug.fullName, pullRequest: pr.number, reviewID: id, error: nil, at: Clock.now())
            }
        case .failure(let failure):
            fail(slug.fullName, failure.description)
        }
    }

    /// The review's body: the marker, the verdict and the reviewer, then the reviewer's text.
    static func body(_ run: ReviewRun, verdict: ReviewRun.Verdict) -> String {
        let word = verdict == .approved ? "approved" : "changes requested"
        var text = "\(PullRequestObserver.ownMarker)\n**git-ao review: \(word)** by \(run.reviewer) at \(run.targetSHA.prefix(12)) (review run \(run.id))."
        if let body = run.body, !body.trimmingSpaces.isEmpty {
            // GitHub refuses a body over 65,536 characters; the whole body stays on the run.
            let limit = 60_000
            text += "\n\n" + (body.count > limit ? String(body.prefix(limit)) + "\n\n(cut; the whole review: git ao review show \(run.id))" : body)
        }
        return text
    }
}

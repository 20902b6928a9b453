import Forge
import Lifecycle
import Platform
import Store
import Worktree

/// Lands a session that has an open pull request through GitHub: the merge is asked for with
/// the head sha the local branch holds (GitHub refuses with 409 if the PR's head differs) and the
/// method, once CI and reviews as last observed allow it; the session is retired only once
/// GitHub reports the pull request merged. The token goes only into the request's header.
struct GitHubLanding {
    let workspace: Workspace
    let store: StateStore

    /// The session's open pull request as last observed, or nil when it has none (it lands locally).
    static func openPullRequest(_ session: Session) -> PRStatus? {
        guard let pr = session.pr, pr.state == .open || pr.state == .draft else { return nil }
        return pr
    }

    /// How long to wait for GitHub to report the merged pull request as merged.
    static let settleTimeout: Double = 60

    func land(_ session: Session, pr: PRStatus, options: LandingOptions) throws -> LandingReport {
        let repository = try workspace.repository()
        let base = (try? Lander.baseBranch(of: session.baseRef, repository: repository)) ?? session.baseRef
        guard let tip = try repository.localBranchTip(session.branch.rawValue) else {
            throw AOError(.nothingToMerge, "session \(session.id)'s branch \(displaySafe(session.branch.rawValue)) no longer exists; nothing was changed.",
                          hint: "Bring it back (git ao restore \(session.id)) or end the session (git ao kill \(session.id)).")
        }
        let facts = try workspace.storeCall { try store.pullRequestFacts(for: session.id) }[pr.number].flatMap(PullRequestFacts.decode)
        if !session.isTerminated, !options.force, session.activity == .active { throw Messages.sessionBusy(session.id.rawValue) }
        if let why = LandingRules.pullRequestRefusal(state: facts?.state ?? pr.state, mergeability: facts?.mergeability ?? .unknown,
                                                     ci: facts?.ci ?? pr.ci, review: facts?.review ?? .none) {
            throw Messages.prNotMergeable(session.id.rawValue, number: pr.number, why: why)
        }
        var report = LandingReport(session: session, base: base, method: options.method, oldBase: "", newTip: nil, commits: [], dryRun: options.dryRun)
        report.pull_request = pr.number
        if options.dryRun { return report }

        let config = try workspace.config()
        guard case .on(let configuration, let slug) = ForgeStep.target(workspace: workspace, config: config) else {
            if case .off(let why) = ForgeStep.target(workspace: workspace, config: config) {
                throw Messages.gitHubMergeFailed(session.id.rawValue, number: pr.number, why: "GitHub is off: \(why)")
            }
            throw Messages.gitHubMergeFailed(session.id.rawValue, number: pr.number, why: "GitHub is off")
        }
        guard let token = TokenSource.find(environment: Environment.all(), configuration: configuration, directory: workspace.location.commonDir) else {
            throw Messages.gitHubMergeFailed(session.id.rawValue, number: pr.number, why: ForgeStep.noToken)
        }
        let client = GitHubClient(configuration: configuration, token: token, transport: CurlTransport(caInfo: configuration.caInfo),
                                  version: GitAOCommand.version)
        switch client.mergePullRequest(slug, number: pr.number, sha: tip, method: LandingRules.gitHubMethod(options.method)) {
        case .merged(let sha):
            report.new_tip = sha
        case .notMergeable(let message):
            throw Messages.prNotMergeable(session.id.rawValue, number: pr.number, why: "GitHub: " + message)
        case .headMoved(let message):
            throw Messages.prHeadMoved(session.id.rawValue, number: pr.number, expected: tip, why: message)
        case .failed(let failure):
            throw Messages.gitHubMergeFailed(session.id.rawValue, number: pr.number, why: failure.description)
        }
        // GitHub answers the merge before every read shows it; the clean-up waits for the read.
        let deadline = Clock.monotonicSeconds() + GitHubLanding.settleTimeout
        while true {
            if case .success(true) = client.pullRequestIsMerged(slug, number: pr.number) { break }
            if Clock.monotonicSeconds() > deadline {
                report.warnings.append("GitHub merged pull request #\(pr.number) but did not report it merged within \(Int(GitHubLanding.settleTimeout)) s; the session was kept: git ao cleanup ends it once it does")
                return report
            }
            Clock.sleep(1)
        }
        if !options.keep {
            report.retirement = SessionRetirement(workspace: workspace, store: store).retire(session, landedTip: tip)
        }
        return report
    }
}

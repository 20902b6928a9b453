import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// Ends review runs that say `running` while nothing runs them, in every observation pass (and
/// before a trigger), so `status` never shows a review in progress that is not, and a later
/// trigger of the same commit is not refused as "already running":
/// - a command reviewer whose executor process is gone (killed with its hook pass, say): failed,
///   and its process group and temporary worktree go with it;
/// - an agent reviewer whose tmux session ended before it submitted: failed;
/// - an agent reviewer that has not submitted within `ao.review.timeout`: failed, and its tmux
///   session is ended (a command reviewer's own process enforces that limit itself).
/// A failed run is never sent to the worker; `status` and `review list` show it with the reason.
struct ReviewWatchdog {
    let workspace: Workspace
    let store: StateStore
    let config: GitConfig

    /// A detached executor that has not taken its run after this long never will.
    static let executorStartLimit: Int64 = 60_000
    /// An agent reviewer is launched and waited for (ao.agent.<name>.readyTimeout, 30 s by
    /// default) before its run is marked as given to it.
    static let agentStartLimit: Int64 = 180_000

    /// Checks the running runs (of `session` only, when given). Returns the runs it failed, with why.
    @discardableResult
    func run(session only: SessionID? = nil, reviewer: String? = nil, now: Timestamp) throws -> [(run: ReviewRun, why: String)] {
        let running = try store.runningReviewRuns().filter { (only == nil || $0.sessionID == only) && (reviewer == nil || $0.reviewer == reviewer) }
        guard !running.isEmpty else { return [] }
        let timeout = (try? ReviewSettings(config: config))?.timeout ?? ReviewSettings.defaultTimeout
        let aoDirectory = workspace.location.aoDirectory
        var listings: [String: Tmux.Probe] = [:]
        var failed: [(run: ReviewRun, why: String)] = []
        for run in running {
            let age = now.milliseconds - run.createdAt.milliseconds
            var why: String?
            var reviewerToEnd: Session?
            switch Reviewer(key: run.reviewer) {
            case .command?:
                switch CommandReviewer.executorIsAlive(run, aoDirectory: aoDirectory) {
                case false?: why = "the process running the command reviewer ended without a verdict"
                case nil where age > ReviewWatchdog.executorStartLimit: why = "the command reviewer never started"
                default: break
                }
            case .agent?:
                guard let session = try store.session(run.sessionID) else { continue }
                if Double(age) / 1000 > timeout {
                    why = "the agent reviewer did not submit a verdict within \(TimeSpan(milliseconds: Int64(timeout * 1000)).period) (ao.review.timeout)"
                    reviewerToEnd = session
                } else if run.worktreePath == nil {
                    // Not yet given to its reviewer (launching, waiting for its prompt).
                    if age > ReviewWatchdog.agentStartLimit { why = "the agent reviewer never started" }
                } else if let tmux = AgentReviewer.runtime(for: session) {
                    let name = AgentReviewer.tmuxName(for: session)
                    let listing = listings[tmux.socketPath] ?? tmux.sessions(prefixed: "ao-")
                    listings[tmux.socketPath] = listing
                    let gone: Bool
                    switch listing {
                    case .listed(let sessions): gone = sessions[name] == nil
                    case .noServer: gone = true
                    case .failed: gone = false  // tmux could not be asked: no evidence
                    }
                    if gone { why = "the reviewer's tmux session \(name) ended before it submitted" }
                }
            case nil:
                continue
            }
            // A verdict recorded meanwhile stands: only a run still running is failed.
            guard let why, try store.failReviewRun(run.id, note: why, at: now) else { continue }
            if let reviewerToEnd { AgentReviewer.end(for: reviewerToEnd) }
            CommandReviewer.end(run, commonDir: workspace.location.commonDir)
            failed.append((run, why))
        }
        return failed
    }

    /// Debounce claims whose process died before its window closed (killed with its pass): the
    /// commit they were for is reviewed by a new background process, instead of never. Returns
    /// the sessions it started one for.
    @discardableResult
    func recoverStrandedClaims(now: Timestamp) throws -> [SessionID] {
        let claims = try store.pendingReviewClaims()
        guard !claims.isEmpty else { return [] }
        let debounce = (try? ReviewSettings(config: config))?.debounce ?? 20
        var started: [SessionID] = []
        for claim in claims where !started.contains(claim.session) {
            guard let pid = ReviewTrigger.claimant(of: claim.token),
                  Subprocess.isGone(pid),
                  Double(now.milliseconds - claim.at.milliseconds) / 1000 >= debounce else { continue }
            ReviewTrigger.startInBackground(location: workspace.location, arguments: ["review", "after-commit", claim.session.rawValue, claim.sha])
            started.append(claim.session)
        }
        return started
    }
}

import Glibc
import Lifecycle
import Platform
import Store
import Worktree

/// Starts reviews: by hand (`git ao review trigger`) and after commits (the post-commit hook's
/// background process, debounced).
struct ReviewTrigger {
    let workspace: Workspace
    let store: StateStore
    let config: GitConfig
    let settings: ReviewSettings

    init(workspace: Workspace, store: StateStore) throws {
        self.workspace = workspace
        self.store = store
        config = try workspace.config()
        settings = try ReviewSettings(config: config)
    }

    enum Outcome {
        case started(ReviewRun)
        /// Nothing done, and why.
        case skipped(String)
    }

    /// How a command reviewer's run goes on: in this process (already in the background), or
    /// in a detached one (a manual trigger must not make its caller wait for the tests).
    enum Execution { case inline, detached }

    /// Starts one run of `reviewer` on `sha` (default: the worker's HEAD now).
    /// `automatic` (after a commit): a commit that already has a verdict from this reviewer is
    /// not reviewed again (two commits' debounce windows may both end on the same HEAD); by hand,
    /// only a running or approved run stops a new one.
    func trigger(_ session: Session, reviewer: Reviewer, sha: String? = nil, execution: Execution, automatic: Bool = false) throws -> Outcome {
        guard !session.isTerminated else { return .skipped("session \(session.id) has ended") }
        guard let target = sha ?? ReviewTrigger.head(of: session) else {
            return .skipped("could not read HEAD in \(session.worktreePath)")
        }
        let aoDirectory = workspace.location.aoDirectory
        try failAbandonedRuns(session, reviewer: reviewer)
        let start = try workspace.storeCall {
            try store.startReviewRun(session: session.id, reviewer: reviewer.key, branch: session.branch.rawValue, target: target,
                                     base: ReviewTrigger.base(of: session, target: target, commonDir: workspace.location.commonDir), anyVerdict: automatic,
                                     logPath: { reviewer == .command ? CommandReviewer.logPath(aoDirectory: aoDirectory, run: $0) : nil },
                                     at: Clock.now())
        }
        switch start {
        case .duplicate(let run):
            let what = run.isRunning ? "is already running" : run.verdict == .approved ? "already approved it" : "already reviewed it (\(run.verdict?.rawValue ?? "done"))"
            return .skipped("\(reviewer) \(what) at \(target.prefix(12)) (run \(run.id)); nothing to do")
        case .started(let run, let superseded):
            for old in superseded { CommandReviewer.end(old, commonDir: workspace.location.commonDir) }
            switch reviewer {
            case .agent(let name):
                do {
                    try AgentReviewer(workspace: workspace, config: config).start(run, agentName: name, session: session)
                    // Given to the reviewer, in the worker's worktree: from now on a reviewer
                    // session that is gone fails the run (see ReviewWatchdog).
                    try store.setReviewRunProcess(run.id, processGroup: nil, worktree: session.worktreePath)
                } catch {
                    let message = AOError.wrapping(error).message
                    try store.failReviewRun(run.id, note: "the agent reviewer could not start: \(message)", at: Clock.now())
                    throw error
                }
            case .command:
                switch execution {
                case .inline:
                    try CommandReviewer(workspace: workspace, store: store, settings: settings).execute(run)
                case .detached:
                    ReviewTrigger.startInBackground(location: workspace.location, arguments: ["review", "execute", String(run.id)])
                }
            }
            return .started(try store.reviewRun(run.id) ?? run)
        }
    }

    /// A run still marked running whose reviewer is gone (its tmux session ended, or the process
    /// running the command was killed) would block every later review of that sha: it fails.
    private func failAbandonedRuns(_ session: Session, reviewer: Reviewer) throws {
        try ReviewWatchdog(workspace: workspace, store: store, config: config).run(session: session.id, reviewer: reviewer.key, now: Clock.now())
    }

    /// After a commit, in the background: claims the commit for every reviewer, waits out the
    /// debounce window, and goes on only for the reviewers whose claim is still this one's, so a
    /// burst of commits gets one review, of the last one. No daemon: the last process decides.
    func afterCommit(_ id: SessionID, sha: String) throws {
        guard let session = try store.session(id), !session.isTerminated else { return }
        let reviewers = settings.reviewers(for: session, override: try store.reviewAgentOverride(for: id), config: config)
        guard !reviewers.isEmpty else { return }
        let token = ReviewTrigger.claimToken()
        for reviewer in reviewers {
            try workspace.storeCall { try store.claimReviewTrigger(session: id, reviewer: reviewer.key, sha: sha, token: token, at: Clock.now()) }
        }
        if settings.debounce > 0 { Clock.sleep(settings.debounce) }
        for reviewer in reviewers {
            guard let claimed = try workspace.storeCall({ try store.takeReviewTrigger(session: id, reviewer: reviewer.key, token: token) }) else { continue }
            guard let current = try store.session(id) else { return }
            // Hooks run in the background and may claim out of order: the review is of the
            // worktree's HEAD now (the latest commit), not of whichever sha claimed last.
            let target = ReviewTrigger.head(of: current) ?? claimed
            do {
                if case .skipped(let why) = try trigger(current, reviewer: reviewer, sha: target, execution: .inline, automatic: true) {
                    HookLog.append("review of session \(id): \(why)", aoDirectory: workspace.location.aoDirectory)
                }
            } catch {
                HookLog.append("review of session \(id) by \(reviewer): \(AOError.wrapping(error).message)", aoDirectory: workspace.location.aoDirectory)
            }
        }
    }

    /// Where the branch's own work starts: the merge base of `target` with the base branch as it
    /// is now, so a branch rebased onto a newer base is reviewed for its own commits, not the
    /// base's. The session's recorded base when git cannot say (the base branch is gone) or the
    /// target is already in the base branch (nothing of its own left to show).
    static func base(of session: Session, target: String, commonDir: String) -> String {
        let recorded = session.baseSHA.rawValue
        guard !session.baseRef.isEmpty,
              let result = try? GitCLI.run(["merge-base", target, session.baseRef], in: commonDir, timeout: 30), result.succeeded else { return recorded }
        let found = result.stdoutText.trimmingSpaces
        return GitRefs.isSHA(found) && found != target ? found : recorded
    }

    /// A debounce claim's token, `<pid>-<epoch-ms>`: this process's, and unique to this claim.
    static func claimToken() -> String { "\(getpid())-\(Clock.epochMilliseconds())" }

    /// The process that made a claim (see `claimToken`).
    static func claimant(of token: String) -> pid_t? {
        token.split(separator: "-").first.flatMap { pid_t($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// The commit checked out in the session's worktree now.
    static func head(of session: Session) -> String? {
        let dotGit = session.worktreePath + "/.git"
        guard let pointer = readFile(dotGit)?.trimmingSpaces, pointer.hasPrefix("gitdir:") else {
            return GitRefs.headSHA(gitDir: dotGit, commonDir: dotGit)
        }
        let gitDir = absolute(pointer.dropFirst("gitdir:".count).trimmingSpaces, relativeTo: session.worktreePath)
        let commonDir = readFile(gitDir + "/commondir").map { canonicalPath(absolute($0.trimmingSpaces, relativeTo: gitDir)) } ?? gitDir
        return GitRefs.headSHA(gitDir: gitDir, commonDir: commonDir)
    }

    /// Runs `git-ao -C <common-dir> <arguments>` detached, for hooks and manual triggers.
    static func startInBackground(location: RepoLocation, arguments: [String]) {
        var environment = Environment.all().filter { !isGitLocationVariable($0.key) }
        environment["GIT_DIR"] = nil
        do {
            try Subprocess.spawnDetached([Environment.executablePath, "-C", location.commonDir] + arguments, environment: environment,
                                         directory: "/", logPath: HookLog.path(aoDirectory: location.aoDirectory))
        } catch {
            HookLog.append("could not start \(arguments.prefix(2).joined(separator: " ")) in the background: \(error)", aoDirectory: location.aoDirectory)
        }
    }
}

/// What ending a worker session means for its reviews: the reviewer's tmux session ends and
/// running runs are cancelled (a command reviewer's processes with them), so nothing is left
/// running for a session that is gone.
enum ReviewShutdown {
    static func sessionEnded(_ session: Session, store: StateStore, commonDir: String) {
        AgentReviewer.end(for: session)
        guard let runs = try? store.reviewRuns(session: session.id) else { return }
        for run in runs where run.isRunning {
            if let cancelled = try? store.cancelReviewRun(run.id, note: "the session ended", at: Clock.now()) { CommandReviewer.end(cancelled, commonDir: commonDir) }
        }
    }
}

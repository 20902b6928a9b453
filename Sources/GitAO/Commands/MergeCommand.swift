import ArgumentParser
import Lifecycle
import Platform
import Store

/// `git ao merge <id>` and `git ao merge --ready`: land sessions' work on their base.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Land a session's work on its base branch (or every ready session, with --ready).",
        discussion: """
            Puts the session's commits on its base branch as it is now: replayed one by one (--rebase, \
            the default; ao.merge.method sets another), as one commit (--squash) or under a merge commit \
            (--no-ff). The result is tested first by the command reviewer (ao.review.command) in a \
            temporary detached worktree, never in the agent's; only when it passes does the base branch \
            move, in one reference update that fails if the base moved meanwhile. When the base branch is \
            checked out in a worktree, that worktree must have no uncommitted changes to tracked files \
            (BASE_DIRTY), and its files follow as with git merge --ff-only. Then the session is ended, \
            its branch tip archived as refs/ao/archive/<id>, and its worktree and branch removed (--keep \
            keeps them). Refusals change nothing: MERGE_CONFLICT (with --nudge the agent also gets the \
            rebase nudge of its conflict episode), REVIEW_FAILED, BASE_DIRTY, SESSION_BUSY (the agent is \
            working; --force lands what is committed), NOTHING_TO_MERGE, BASE_MOVED. A landing killed at \
            any point leaves the base as it was or fully moved, never half, and every commit reachable; \
            running git ao merge again finishes it or starts it again. --ready lands every session whose \
            latest review approved, that is not working and has no predicted conflict, oldest first, each \
            on the base the previous one left and tested there; one that conflicts or fails is skipped \
            (a conflicting one's agent gets its episode's rebase nudge, once) and the queue goes on; \
            the queue lands locally. A session with an open pull request (as last observed) lands \
            through GitHub instead: once its CI and reviews allow it, the pull request is merged with \
            the head sha the local branch holds and the method (PR_NOT_MERGEABLE for GitHub's 405, \
            PR_HEAD_MOVED for its 409); when GitHub reports it merged, the session is retired as \
            above. --local lands it locally anyway.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Argument(help: ArgumentHelp("Session id, unique id prefix, or name.", valueName: "id"))
    var session: String?

    @Flag(help: "Land every ready session, oldest first.") var ready = false
    @Flag(help: "Replay each commit on the base (default unless ao.merge.method says otherwise).") var rebase = false
    @Flag(help: "Land the work as one commit.") var squash = false
    @Flag(name: .customLong("no-ff"), help: "Land the work under a merge commit.") var noFF = false
    @Flag(name: .customLong("no-review"), help: "Do not run the command reviewer on the result.") var noReview = false
    @Flag(help: "Keep the session's worktree and branch afterwards.") var keep = false
    @Flag(name: .customLong("dry-run"), help: "Say what would happen; change nothing.") var dryRun = false
    @Flag(help: "Land what is committed even while the agent is working.") var force = false
    @Flag(help: "On MERGE_CONFLICT, also send the agent its conflict episode's rebase nudge.") var nudge = false
    @Flag(help: "Land locally even when the session has an open pull request.") var local = false

    func validate() throws {
        if [rebase, squash, noFF].filter({ $0 }).count > 1 { throw ValidationError("--rebase, --squash and --no-ff exclude each other.") }
        if ready == (session != nil) { throw ValidationError(ready ? "--ready lands every ready session: name none." : "Name a session, or use --ready.") }
    }

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let store = try workspace.requireStore()
        var options = LandingOptions(method: try method(workspace))
        options.review = !noReview
        options.keep = keep
        options.dryRun = dryRun
        options.force = force
        options.nudge = nudge
        let lock = try Lander.lock(workspace)
        defer { lock.release() }
        let lander = Lander(workspace: workspace, store: store)
        if ready {
            let summary = try MergeQueue(workspace: workspace, store: store, lander: lander).run(options: options)
            if output.json { Console.out(JSON.encode(summary, pretty: true) + "\n") } else { summary.text().forEach { Console.line($0) } }
            return
        }
        let target = try workspace.resolveSession(session ?? "")
        let report: LandingReport
        if !local, let pr = GitHubLanding.openPullRequest(target) {
            report = try GitHubLanding(workspace: workspace, store: store).land(target, pr: pr, options: options)
        } else {
            report = try lander.land(target, options: options)
        }
        if output.json { Console.out(JSON.encode(report, pretty: true) + "\n") } else if !global.quiet { report.text().forEach { Console.line($0) } }
    }

    private func method(_ workspace: Workspace) throws -> MergeMethod {
        if rebase { return .rebase }
        if squash { return .squash }
        if noFF { return .noFF }
        guard let value = try workspace.config().nonEmpty(ConfigKeys.mergeMethod) else { return .rebase }
        guard let method = MergeMethod(rawValue: value) else {
            throw AOError(.invalidConfig, "\(ConfigKeys.mergeMethod) is '\(displaySafe(value))', which is not a merge method.",
                          hint: "Set it to rebase, squash or no-ff: git config \(ConfigKeys.mergeMethod) rebase")
        }
        return method
    }
}

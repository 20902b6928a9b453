import ArgumentParser
import Lifecycle
import Platform

/// `git ao observe`: one observation pass.
struct ObserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Run one observation pass over the sessions.",
        discussion: """
            One tmux query probes every session's runtime (a session whose tmux session is gone is \
            detecting, and terminated only if it is still gone 10 s later); agents that do not report \
            their own activity are judged by their screen; pull requests, CI and reviews are read \
            from GitHub (at most once per ao.github.interval, unless --refresh); stuck sessions are escalated; then \
            notifications and queued messages are delivered. Only one pass per repository runs at a \
            time: a second one waits up to 2 s, then leaves it to the first. git hooks and agents' \
            hooks start passes in the background; git ao watch repeats them.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Limit screen checks, escalation and delivery to this session.", valueName: "id"))
    var session: String?

    @Flag(help: "Ask GitHub now, even within ao.github.interval of the last poll.")
    var refresh = false

    /// Set by hooks (with --session): serve the session's pending requests (see PassRequest),
    /// then debounce and start the reviews of the commits they name.
    @Flag(help: .hidden)
    var requested = false

    /// Set by a hook whose request file could not carry its commit: review it too.
    @Option(help: .hidden)
    var reviewCommit: String?

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let only: SessionID?
        do {
            only = try session.map { try workspace.resolveSession($0).id }
        } catch let error as AOError where requested && error.code == .sessionNotFound {
            // A request for no session (its name is garbage, or the session is gone): dropped,
            // or every later pass would start one more pass for it.
            if let session { PassRequest.discard(aoDirectory: workspace.location.aoDirectory, name: session) }
            throw error
        }
        let pass = ObservePass(workspace: workspace, only: only, refresh: refresh)
        let outcome: ObservePass.Outcome
        if requested, let only {
            // Nothing pending (and nothing carried): another pass consumed the request after
            // everything it covers.
            let request = PassRequest.watch(aoDirectory: workspace.location.aoDirectory, session: only)
            if request == nil && reviewCommit == nil { return }
            if let request { request.waitForQuiet() } else { Clock.sleep(PassRequest.settle) }
            var reviews = reviewCommit.map { [$0] } ?? []
            // In the background nobody waits: a pass that holds the lock (GitHub may be slow) is
            // waited for, since this request is served by no one else.
            outcome = try pass.run(wait: 60) { reviews += request?.consume() ?? [] }
            if let last = reviews.last { ReviewAfterCommitCommand.review(workspace: workspace, session: only, sha: last) }
        } else {
            outcome = try pass.run()
        }
        switch outcome {
        case .busy(let owner):
            if !global.quiet { Console.err("Another observation pass is running\(owner.map { " (pid \($0))" } ?? ""); leaving it to that one.\n") }
        case .ran(let changes):
            if !global.quiet {
                for change in changes { Console.line("\(change.session)  \(change.text)") }
            }
        }
    }
}

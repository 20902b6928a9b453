/// Everything that can happen to a session, as the reducer sees it.
public enum Observation: Equatable, Sendable {
    /// Spawn started the agent (the session was seeded first).
    case spawnCompleted(agentHasHooks: Bool)
    /// `git ao restore` started the agent again: the only way out of `terminated`.
    case restored(agentHasHooks: Bool)
    /// The process that was spawning the session is gone and never completed it.
    case spawnAbandoned
    /// `git ao kill`.
    case killRequested
    /// What one tmux query said about the session's tmux session.
    case runtime(RuntimeProbe)
    /// The agent (or a screen heuristic) said what it is doing.
    case activity(ActivitySignal)
    /// What the forge says about the session's pull request (rules arrive with the GitHub issue).
    case scm(PRStatus?)
    /// HEAD moved in the session's worktree (seen by a git hook).
    case head(CommitSHA, cause: HeadCause)
    /// Time passed: escalate sessions that are stuck.
    case tick(EscalationPolicy)
}

/// One probe's answer for one session.
public enum RuntimeProbe: Equatable, Sendable {
    case alive
    /// The tmux session is not there. `evidence` says what was seen (which server answered).
    case missing(evidence: String)
    /// tmux could not be asked, or the mass-death breaker discounted the answer.
    case failed(reason: String)
    /// Asked, but the answer cannot be trusted either way.
    case indeterminate(reason: String)
}

/// An activity report.
public struct ActivitySignal: Equatable, Sendable {
    /// nil: the agent is alive and said nothing about what it is doing (Claude Code's SessionStart).
    public var activity: Activity?
    /// Where it came from ("claude-code:Stop", "screen"), for the change log.
    public var source: String
    /// The agent's own session id, when the signal carries one (Claude Code SessionStart).
    public var agentSessionID: String?

    public init(_ activity: Activity?, source: String, agentSessionID: String? = nil) {
        self.activity = activity
        self.source = source
        self.agentSessionID = agentSessionID
    }
}

/// Which git hook saw HEAD move; it names the change-log entry.
public enum HeadCause: String, CaseIterable, Sendable {
    case commit, rewrite, merge, checkout
    /// An observation pass found the worktree's HEAD elsewhere than the stored one (a hook's
    /// event was lost, or arrived late).
    case observed

    /// What reported it: the git hook, or the pass.
    public var source: String { self == .observed ? "observation pass" : "post-" + rawValue }
}

/// When an unchanged session counts as stuck.
public struct EscalationPolicy: Equatable, Sendable {
    public var stuckAfter: TimeSpan

    public init(stuckAfter: TimeSpan = .minutes(10)) { self.stuckAfter = stuckAfter }
}

/// Something to do after the state change is stored, kept as data: the caller puts effects in
/// the outbox in the same transaction as the change and delivers them afterwards.
public enum Effect: Equatable, Sendable {
    /// Tell the human. Open notifications are deduplicated per (session, kind).
    case notify(NotificationKind, message: String)
    /// The condition behind an open notification is over.
    case resolveNotification(NotificationKind)
    /// Type a message into the agent. Never while a permission dialog is open; waits while the
    /// agent is waiting for an answer or has exited.
    case nudge(text: String, reason: String)
}

public enum NotificationKind: String, CaseIterable, Sendable, Codable {
    case needsInput = "needs_input"
    case stuck
    case readyToMerge = "ready_to_merge"
    case prMerged = "pr_merged"
    case prClosed = "pr_closed"
}

import Lifecycle
import Platform
import Store
import Worktree

/// Where a session started: the ref and commit, and why that one when spawn had a choice
/// worth explaining (only spawn's own output knows that; null elsewhere).
struct BaseView: Encodable {
    let ref: String
    let sha: String
    let short_sha: String
    let reason: String?
}

/// A session as JSON. Field names are part of the `--json` contract: add, never rename.
struct SessionView: Encodable {
    let id: String
    let name: String?
    let branch: String
    let base_ref: String
    let base_sha: String
    let base: BaseView
    let worktree: String
    let agent: String
    let tmux_session: String
    /// The socket of the tmux server the session runs on (null: not recorded yet).
    let tmux_socket: String?
    let agent_session_id: String?
    let state: String
    let status: String
    let reason: String
    let terminated: Bool
    let terminal_reason: String?
    let created_at: String
    let updated_at: String
    let revision: Int64
    let cleaned_at: String?
    let prompt: String?
    let runtime: String
    let activity: String?
    let activity_since: String?
    let last_signal_at: String?
    let launched_at: String?
    let detecting_since: String?
    let agent_has_hooks: Bool
    let head_sha: String?
    let pr_number: Int?
    let pr_state: String?
    /// The port the session holds (ao.portRange); null without one and once it has ended.
    let port: Int?
    /// The PR's display status (conflicting, ci_failed, changes_requested, draft, ...).
    let pr_status: String?
    let pr_head_sha: String?
    let pr_ci: String?
    let pr_review: String?
    let pr_mergeability: String?
    let pr_unresolved_threads: Int?
    let pr_bot_threads: Int?
    /// Paths the local merge with the base conflicts in (git merge-tree); nil when it merges cleanly or was not predicted.
    let conflict_paths: [String]?
    let conflict_base: String?
    /// True when the branch is predicted to conflict with its base, whatever the status says
    /// (`working` outranks `conflicting`; the conflict is still there).
    let conflict: Bool
    /// The GitHub issue the session works on (`github:owner/repo#N`), from intake or spawn --issue.
    let issue: String?

    /// The latest review of the session: running, approved, changes_requested or failed; null without one.
    let review: String?

    /// Progress against the base (see `WorktreeProgress` for what each counts): commits ahead
    /// and behind, lines added and removed since the merge base (committed and uncommitted),
    /// uncommitted changes. Absent where not asked for (spawn, restore) or where the worktree
    /// cannot be read.
    let ahead: Int?
    let behind: Int?
    let insertions: Int?
    let deletions: Int?
    let dirty: Bool?

    init(_ session: Session, now: Timestamp, includePrompt: Bool, unreachable: String? = nil, conflict: ConflictPrediction? = nil, review: String? = nil, issue: String? = nil, baseReason: String? = nil,
         progress: WorktreeProgress? = nil) {
        self.review = review
        ahead = progress?.counts.ahead
        behind = progress?.counts.behind
        insertions = progress?.counts.insertions
        deletions = progress?.counts.deletions
        dirty = progress?.dirty
        let predicted = conflict?.conflicting == true ? conflict : nil
        var display = DisplayStatus.of(session, now: now, conflictingPaths: predicted?.paths)
        if display.status == .unreachable, let unreachable { display.reason = unreachable + "; " + display.reason }
        id = session.id.rawValue
        name = session.name
        branch = session.branch.rawValue
        base_ref = session.baseRef
        base_sha = session.baseSHA.rawValue
        base = BaseView(ref: session.baseRef, sha: session.baseSHA.rawValue, short_sha: session.baseSHA.short, reason: baseReason)
        worktree = session.worktreePath
        agent = session.agent
        tmux_session = session.tmuxName
        tmux_socket = session.tmuxSocket
        agent_session_id = session.agentSessionID
        state = session.state.rawValue
        status = display.status.name
        reason = display.reason
        terminated = session.isTerminated
        terminal_reason = session.terminalReason?.rawValue
        created_at = isoTimestamp(session.createdAt)
        updated_at = isoTimestamp(session.updatedAt)
        revision = session.revision
        cleaned_at = session.cleanedAt.map(isoTimestamp)
        prompt = includePrompt ? session.prompt : nil
        runtime = session.runtime.rawValue
        activity = session.activity?.rawValue
        activity_since = session.activitySince.map(isoTimestamp)
        last_signal_at = session.lastSignalAt.map(isoTimestamp)
        launched_at = session.launchedAt.map(isoTimestamp)
        detecting_since = session.detecting.map { isoTimestamp($0.startedAt) }
        agent_has_hooks = session.agentHasHooks
        head_sha = session.headSHA?.rawValue
        pr_number = session.pr?.number
        pr_state = session.pr?.state.rawValue
        port = session.livePort
        pr_status = session.pr.map { $0.summary ?? $0.displaySummary }
        pr_head_sha = session.pr?.headSHA?.rawValue
        pr_ci = session.pr?.ci.rawValue
        pr_review = session.pr?.review.rawValue
        pr_mergeability = session.pr?.mergeability.rawValue
        pr_unresolved_threads = session.pr?.humanThreads
        pr_bot_threads = session.pr?.botThreads
        conflict_paths = predicted?.paths
        conflict_base = predicted?.baseRef
        self.conflict = predicted != nil
        self.issue = issue
    }
}

/// An event as JSON.
struct EventView: Encodable {
    let seq: Int64
    let session: String
    let at: String
    let kind: String
    let revision: Int64
    let data: [String: String]?

    init(_ event: SessionEvent) {
        seq = event.seq
        session = event.sessionID.rawValue
        at = isoTimestamp(event.at)
        kind = event.kind
        revision = event.revision
        data = event.data.flatMap { try? JSON.decode([String: String].self, from: $0) }
    }
}

/// What the reducer decided: a sparse patch, effects as data, and why.
public struct Decision: Equatable, Sendable {
    public var patch: SessionPatch
    public var effects: [Effect]
    /// One human-readable sentence: what changed and why.
    public var reason: String
    /// The kind of the change-log entry a non-empty patch produces; nil when nothing changes.
    public var event: EventKind?
    /// Set when the observation is invalid for this session (spawn completion for a session
    /// that was never seeded): the caller reports it as an error.
    public var rejection: String?

    public init(patch: SessionPatch = SessionPatch(), effects: [Effect] = [], reason: String, event: EventKind?, rejection: String? = nil) {
        self.patch = patch
        self.effects = effects
        self.reason = reason
        self.event = event
        self.rejection = rejection
    }

    /// Nothing to store: no revision bump, no event, no effects.
    public var isEmpty: Bool { patch.isEmpty && effects.isEmpty }

    static func noChange(_ reason: String) -> Decision { Decision(reason: reason, event: nil) }
    static func rejected(_ reason: String) -> Decision { Decision(reason: reason, event: nil, rejection: reason) }
}

/// The kinds of change-log entry the reducer writes. The raw values are what `git ao events`
/// and `--json` show, so they never change.
public enum EventKind: String, CaseIterable, Sendable {
    case spawned, restored, killed, runtime, recovered, detecting, activity, pr, stuck
    case spawnFailed = "spawn_failed"
    case runtimeLost = "runtime_lost"
    // HEAD moved, by the hook that saw it.
    case commit, rewrite, merge, checkout
    /// A pass set the stored HEAD to the worktree's.
    case headCorrected = "head_corrected"

    public init(_ cause: HeadCause) {
        switch cause {
        case .commit: self = .commit
        case .rewrite: self = .rewrite
        case .merge: self = .merge
        case .checkout: self = .checkout
        case .observed: self = .headCorrected
        }
    }
}

/// The fields a decision changes, and only those. Built by comparing the session before and
/// after the rule ran, so an unchanged field can never be written by accident.
public struct SessionPatch: Equatable, Sendable {
    public var state: SessionState?
    public var terminalReason: TerminalReason??
    public var runtime: RuntimeState?
    public var activity: Activity??
    public var activitySince: Timestamp??
    public var lastSignalAt: Timestamp??
    public var launchedAt: Timestamp??
    public var detecting: DetectingMemory??
    public var pr: PRStatus??
    public var agentSessionID: String??
    public var agentHasHooks: Bool?
    public var headSHA: CommitSHA??
    public var cleanedAt: Timestamp??

    public init() {}

    /// The difference between two versions of one session.
    public init(from old: Session, to new: Session) {
        if old.state != new.state { state = new.state }
        if old.terminalReason != new.terminalReason { terminalReason = .some(new.terminalReason) }
        if old.runtime != new.runtime { runtime = new.runtime }
        if old.activity != new.activity { activity = .some(new.activity) }
        if old.activitySince != new.activitySince { activitySince = .some(new.activitySince) }
        if old.lastSignalAt != new.lastSignalAt { lastSignalAt = .some(new.lastSignalAt) }
        if old.launchedAt != new.launchedAt { launchedAt = .some(new.launchedAt) }
        if old.detecting != new.detecting { detecting = .some(new.detecting) }
        if old.pr != new.pr { pr = .some(new.pr) }
        if old.agentSessionID != new.agentSessionID { agentSessionID = .some(new.agentSessionID) }
        if old.agentHasHooks != new.agentHasHooks { agentHasHooks = new.agentHasHooks }
        if old.headSHA != new.headSHA { headSHA = .some(new.headSHA) }
        if old.cleanedAt != new.cleanedAt { cleanedAt = .some(new.cleanedAt) }
    }

    public var isEmpty: Bool { self == SessionPatch() }

    /// The names of the changed fields, for the change log.
    public var fieldNames: [String] {
        var names: [String] = []
        if state != nil { names.append("state") }
        if terminalReason != nil { names.append("terminal_reason") }
        if runtime != nil { names.append("runtime") }
        if activity != nil { names.append("activity") }
        if activitySince != nil { names.append("activity_since") }
        if lastSignalAt != nil { names.append("last_signal_at") }
        if launchedAt != nil { names.append("launched_at") }
        if detecting != nil { names.append("detecting") }
        if pr != nil { names.append("pr") }
        if agentSessionID != nil { names.append("agent_session_id") }
        if agentHasHooks != nil { names.append("agent_has_hooks") }
        if headSHA != nil { names.append("head_sha") }
        if cleanedAt != nil { names.append("cleaned_at") }
        return names
    }

    /// The session with this patch applied.
    public func applied(to session: Session) -> Session {
        var s = session
        if let state { s.state = state }
        if let terminalReason { s.terminalReason = terminalReason }
        if let runtime { s.runtime = runtime }
        if let activity { s.activity = activity }
        if let activitySince { s.activitySince = activitySince }
        if let lastSignalAt { s.lastSignalAt = lastSignalAt }
        if let launchedAt { s.launchedAt = launchedAt }
        if let detecting { s.detecting = detecting }
        if let pr { s.pr = pr }
        if let agentSessionID { s.agentSessionID = agentSessionID }
        if let agentHasHooks { s.agentHasHooks = agentHasHooks }
        if let headSHA { s.headSHA = headSHA }
        if let cleanedAt { s.cleanedAt = cleanedAt }
        return s
    }
}

/// The session model: one agent, on one branch, in one worktree, inside one tmux session.

/// The session axis: where a session is in its life.
public enum SessionState: String, CaseIterable, Sendable, Codable {
    case notStarted = "not_started"
    case working
    case idle
    case needsInput = "needs_input"
    case detecting
    case stuck
    case done
    case terminated
}

/// Why a session ended.
public enum TerminalReason: String, CaseIterable, Sendable, Codable {
    case killed
    case runtimeLost = "runtime_lost"
    case prMerged = "pr_merged"
    case prClosed = "pr_closed"
    case spawnFailed = "spawn_failed"
}

/// A session as stored. Everything a later command needs to act on the session without
/// guessing: the branch and worktree to restore, the agent's own session id to resume, the
/// base to judge whether its work is safe to clean up.
public struct Session: Equatable, Sendable {
    public var id: SessionID
    /// An optional human label; ids stay the handle commands take, a name is accepted too.
    public var name: String?
    public var branch: BranchName
    /// Whether spawn created the branch (so cleanup may delete it once its work is safe).
    public var branchCreated: Bool
    /// The ref the branch was started from, as the user or the default resolution named it.
    public var baseRef: String
    public var baseSHA: CommitSHA
    public var worktreePath: String
    public var agent: String
    public var prompt: String?
    public var tmuxName: String
    /// The socket of the tmux server the session runs on (`tmux -S`), recorded by spawn: the
    /// server is part of the session's identity, whatever a later caller's environment says.
    /// nil for sessions spawned before it was recorded (then the caller's default server is
    /// asked, and its socket recorded once the session is seen there).
    public var tmuxSocket: String?
    /// The agent's own session id (Claude Code's `--session-id`), used by native resume.
    public var agentSessionID: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Bumped by every stored change; writers check it so no update is lost.
    public var revision: Int64
    public var state: SessionState
    /// Non-nil exactly when `state == .terminated`.
    public var terminalReason: TerminalReason?
    /// Set once cleanup has removed the worktree (and, where safe, the branch).
    public var cleanedAt: Timestamp?

    // The lifecycle axes (see `decide`).
    public var runtime: RuntimeState
    public var activity: Activity?
    /// When `activity` took its current value.
    public var activitySince: Timestamp?
    /// The last valid activity signal, refreshed at most once a minute while nothing changes.
    public var lastSignalAt: Timestamp?
    /// When the agent was (last) started.
    public var launchedAt: Timestamp?
    public var detecting: DetectingMemory?
    public var pr: PRStatus?
    /// Whether the agent reports its own activity (Claude Code, Codex, custom agents that say
    /// so); the others are judged by their screen.
    public var agentHasHooks: Bool
    /// The worktree's HEAD after the last commit git-ao saw.
    public var headSHA: CommitSHA?
    /// The session's own port from `ao.portRange` (AO_PORT); unique among live sessions, and
    /// no longer reserved once the session has terminated.
    public var port: Int?

    public init(
        id: SessionID, name: String? = nil, branch: BranchName, branchCreated: Bool,
        baseRef: String, baseSHA: CommitSHA, worktreePath: String, agent: String,
        prompt: String? = nil, tmuxName: String, tmuxSocket: String? = nil, agentSessionID: String? = nil,
        createdAt: Timestamp, updatedAt: Timestamp? = nil, revision: Int64 = 1,
        state: SessionState = .notStarted, terminalReason: TerminalReason? = nil,
        cleanedAt: Timestamp? = nil, runtime: RuntimeState = .unknown, activity: Activity? = nil,
        activitySince: Timestamp? = nil, lastSignalAt: Timestamp? = nil, launchedAt: Timestamp? = nil,
        detecting: DetectingMemory? = nil, pr: PRStatus? = nil, agentHasHooks: Bool = false, headSHA: CommitSHA? = nil, port: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.branch = branch
        self.branchCreated = branchCreated
        self.baseRef = baseRef
        self.baseSHA = baseSHA
        self.worktreePath = worktreePath
        self.agent = agent
        self.prompt = prompt
        self.tmuxName = tmuxName
        self.tmuxSocket = tmuxSocket
        self.agentSessionID = agentSessionID
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.revision = revision
        self.state = state
        self.terminalReason = terminalReason
        self.cleanedAt = cleanedAt
        self.runtime = runtime
        self.activity = activity
        self.activitySince = activitySince
        self.lastSignalAt = lastSignalAt
        self.launchedAt = launchedAt
        self.detecting = detecting
        self.pr = pr
        self.agentHasHooks = agentHasHooks
        self.headSHA = headSHA
        self.port = port
    }

    /// Whether the session has been given work (a prompt) it has not finished with a PR.
    public var hasOpenTask: Bool { !(prompt ?? "").isEmpty && pr == nil }

    public var isTerminated: Bool { state == .terminated }

    /// The port the session holds: its recorded port while it is live, none once it ended.
    public var livePort: Int? { isTerminated ? nil : port }

    /// The tmux session name for an id: `ao-<id>`, reduced to what tmux accepts in a target
    /// (tmux reserves `.` and `:` as separators, and a leading `=` or `@`/`$` changes the meaning).
    public static func tmuxName(for id: SessionID) -> String {
        let safe = id.rawValue.map { c -> Character in
            (c.isASCII && (c.isLetter || c.isNumber)) || c == "-" || c == "_" ? c : "_"
        }
        return "ao-" + String(safe)
    }
}

/// One entry in the change log. Every stored change appends one, in the same transaction.
public struct SessionEvent: Equatable, Sendable {
    public var seq: Int64
    public var sessionID: SessionID
    public var at: Timestamp
    public var kind: String
    /// The session's revision after the change.
    public var revision: Int64
    /// Details as a flat JSON object text (kept as text: Lifecycle has no JSON coder).
    public var data: String?

    public init(seq: Int64 = 0, sessionID: SessionID, at: Timestamp, kind: String, revision: Int64, data: String? = nil) {
        self.seq = seq
        self.sessionID = sessionID
        self.at = at
        self.kind = kind
        self.revision = revision
        self.data = data
    }
}

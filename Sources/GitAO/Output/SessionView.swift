import Worktree
import Lifecycle

/// What one tmux query said about a session's tmux session.
enum RuntimeCheck: Equatable {
    case alive
    case missing
    /// tmux could not be asked; says nothing about the session.
    case unknown(String)
    /// Not asked (the session has ended).
    case notProbed

    /// Classifies a session against one `list-sessions` answer. A tmux session of the same name
    /// that was started somewhere else (another repository's session with the same id) is not ours.
    static func of(_ session: Session, in probe: Tmux.Probe) -> RuntimeCheck {
        if session.isTerminated { return .notProbed }
        switch probe {
        case .failed(let reason): return .unknown(reason)
        case .listed(let sessions):
            guard let path = sessions[session.tmuxName] else { return .missing }
            return path.isEmpty || samePathText(path, session.worktreePath) ? .alive : .missing
        }
    }
}

private func samePathText(_ a: String, _ b: String) -> Bool {
    a == b || canonicalPath(a) == canonicalPath(b)
}

/// The status shown to people, derived when read and never stored, with the reason behind it.
struct DisplayedStatus: Equatable {
    let status: String
    let reason: String

    static func of(_ session: Session, runtime: RuntimeCheck) -> DisplayedStatus {
        if session.isTerminated {
            return DisplayedStatus(status: "terminated", reason: "ended: \(session.terminalReason?.rawValue ?? "unknown")")
        }
        switch runtime {
        case .missing:
            return DisplayedStatus(status: "detecting", reason: "tmux session \(session.tmuxName) is not running; confirming it is gone")
        case .unknown(let why):
            return DisplayedStatus(status: session.state.rawValue, reason: "tmux could not be asked (\(why)); showing the last known state")
        case .alive, .notProbed:
            switch session.state {
            case .notStarted: return DisplayedStatus(status: "spawning", reason: "spawn has not finished")
            default: return DisplayedStatus(status: session.state.rawValue, reason: "tmux session \(session.tmuxName) is running")
            }
        }
    }
}

/// A session as JSON. Field names are part of the `--json` contract: add, never rename.
struct SessionView: Encodable {
    let id: String
    let name: String?
    let branch: String
    let base_ref: String
    let base_sha: String
    let worktree: String
    let agent: String
    let tmux_session: String
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

    init(_ session: Session, status: DisplayedStatus, includePrompt: Bool) {
        id = session.id.rawValue
        name = session.name
        branch = session.branch.rawValue
        base_ref = session.baseRef
        base_sha = session.baseSHA.rawValue
        worktree = session.worktreePath
        agent = session.agent
        tmux_session = session.tmuxName
        agent_session_id = session.agentSessionID
        state = session.state.rawValue
        self.status = status.status
        reason = status.reason
        terminated = session.isTerminated
        terminal_reason = session.terminalReason?.rawValue
        created_at = isoTimestamp(session.createdAt)
        updated_at = isoTimestamp(session.updatedAt)
        revision = session.revision
        cleaned_at = session.cleanedAt.map(isoTimestamp)
        prompt = includePrompt ? session.prompt : nil
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

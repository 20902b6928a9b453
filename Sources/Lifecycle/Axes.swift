/// The axes of a session's state besides the session axis itself (`SessionState`).
/// Each axis has one owner (see `decide`): liveness owns `runtime` and the detecting/death
/// states, activity signals own `activity` and the working/idle/needs_input states.

/// What the last runtime probe said about the session's tmux session.
public enum RuntimeState: String, CaseIterable, Sendable, Codable {
    case unknown
    case alive
    case dead
    /// The probe could not answer (tmux unreachable, timed out, or the mass-death breaker).
    case probeFailed = "probe_failed"
}

/// What the agent itself last said it was doing.
public enum Activity: String, CaseIterable, Sendable, Codable {
    case active
    case idle
    /// The agent asked the human a question.
    case waitingInput = "waiting_input"
    /// A permission dialog is open.
    case blocked
    /// The agent's session ended (the program may still be on screen).
    case exited
}

/// Memory of a session whose tmux session went missing, kept until death is concluded or the
/// session is seen alive again.
public struct DetectingMemory: Equatable, Sendable {
    public var startedAt: Timestamp
    /// A hash of what the probe saw (which server, what was missing).
    public var evidenceHash: String
    public var attempts: Int

    public init(startedAt: Timestamp, evidenceHash: String, attempts: Int) {
        self.startedAt = startedAt
        self.evidenceHash = evidenceHash
        self.attempts = attempts
    }
}

/// The pull request axis, written by the forge observation (`applySCMObservation`).
public struct PRStatus: Equatable, Sendable {
    public enum State: String, CaseIterable, Sendable, Codable {
        case open, draft, merged, closed
    }

    public var number: Int
    public var state: State
    /// A short summary for display ("ci_failed", "changes_requested", ...), when known.
    public var summary: String?
    public var headSHA: CommitSHA?
    public var ci: CIState
    public var review: ReviewDecision
    public var mergeability: Mergeability
    /// Unresolved review threads started by people, and by review bots.
    public var humanThreads: Int
    public var botThreads: Int

    public init(number: Int, state: State, summary: String? = nil, headSHA: CommitSHA? = nil, ci: CIState = .none,
                review: ReviewDecision = .none, mergeability: Mergeability = .unknown, humanThreads: Int = 0, botThreads: Int = 0) {
        self.number = number
        self.state = state
        self.summary = summary
        self.headSHA = headSHA
        self.ci = ci
        self.review = review
        self.mergeability = mergeability
        self.humanThreads = humanThreads
        self.botThreads = botThreads
    }

    public var isOpen: Bool { state == .open || state == .draft }

    /// CI passing, approved or no review required, no unresolved human thread, and mergeable.
    public var isReadyToMerge: Bool {
        state == .open && ci == .passing && (review == .approved || review == .none)
            && humanThreads == 0 && mergeability == .mergeable
    }

    /// The display status of the table, the most pressing first:
    /// conflicting, ci_failed, changes_requested, draft, review_pending, mergeable, approved, pr_open;
    /// merged and closed for finished ones.
    public var displaySummary: String {
        switch state {
        case .merged: return "merged"
        case .closed: return "closed"
        case .open, .draft: break
        }
        if mergeability == .conflicting { return "conflicting" }
        if ci == .failing { return "ci_failed" }
        if review == .changesRequested || humanThreads + botThreads > 0 { return "changes_requested" }
        if state == .draft { return "draft" }
        if review == .reviewRequired { return "review_pending" }
        if mergeability == .mergeable && ci != .pending && review != .reviewRequired { return "mergeable" }
        if review == .approved { return "approved" }
        return "pr_open"
    }

    /// Rank for "the worst wins" across several open pull requests: lower is worse.
    public var severity: Int {
        ["conflicting", "ci_failed", "changes_requested", "draft", "review_pending", "pr_open", "approved", "mergeable", "merged", "closed"]
            .firstIndex(of: displaySummary) ?? 5
    }
}

/// Stable short hash (FNV-1a, 64 bits, hex) for evidence: no Foundation, same on every platform.
public func evidenceHash(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

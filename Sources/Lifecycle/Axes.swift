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

/// The pull request axis. The GitHub integration fills it; until then it is only carried.
public struct PRStatus: Equatable, Sendable {
    public enum State: String, CaseIterable, Sendable, Codable {
        case open, draft, merged, closed
    }

    public var number: Int
    public var state: State
    /// A short summary for display ("ci_failed", "changes_requested", ...), when known.
    public var summary: String?

    public init(number: Int, state: State, summary: String? = nil) {
        self.number = number
        self.state = state
        self.summary = summary
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

/// Whether a nudge waiting in the outbox is typed now, waits, or is withdrawn: decided when it is
/// about to be typed, since what was true when it was queued may not be any more.
public enum DeliveryRules {
    public enum Verdict: Equatable, Sendable {
        case deliver
        /// Not now: the agent cannot take it (kept for a later pass).
        case hold(String)
        /// Never: what it says is no longer true.
        case withdraw(String)
    }

    /// `reviewTarget`: the commit a review verdict is about, when the nudge delivers one.
    /// `workerHead`: the commit checked out in the session's worktree now, when known.
    /// Staleness comes first, even while the agent is held: what is no longer true is withdrawn
    /// now, not typed in once the agent can take it.
    public static func verdict(_ reason: NudgeReason, session: Session, reviewTarget: String?, workerHead: String?) -> Verdict {
        if reason.reviewRun != nil, let target = reviewTarget, let head = workerHead, head != target {
            return .withdraw("HEAD moved on to \(head.prefix(12)) before delivery")
        }
        if reason.isFromGitHub, let pr = session.pr, pr.state == .merged || pr.state == .closed {
            return .withdraw("pull request #\(pr.number) is \(pr.state.rawValue)")
        }
        if let why = hold(session) { return .hold(why) }
        return .deliver
    }

    /// Why an automated nudge has to wait, or nil when it may go now: never typed into a
    /// permission dialog, over a question the agent asked, or into a session that has ended.
    public static func hold(_ session: Session) -> String? {
        if session.state == .notStarted && session.runtime == .unknown { return "its spawn has not finished" }
        switch session.activity {
        case .blocked: return "a permission dialog is open"
        case .waitingInput: return "the agent waits for an answer to its question"
        case .exited: return "the agent's session has ended"
        default: return nil
        }
    }
}

/// What becomes of a review run's `changes_requested` verdict, decided in the transaction that
/// records it.
public enum ReviewVerdictRules {
    public enum Outcome: Equatable, Sendable {
        /// Goes to the worker as a nudge.
        case deliver
        /// Recorded, not delivered, for the reason given.
        case keep(note: String)
        /// Recorded, not delivered: the cap was reached and the human is told instead.
        case capped(note: String)
    }

    /// `delivered`: the verdicts of this reviewer on this branch that reached (or wait to reach)
    /// the worker; verdicts withdrawn as stale are not among them.
    public static func changesRequested(sessionAlive: Bool, workerHead: String?, target: String, branch: String,
                                        delivered: Int, cap: Int) -> Outcome {
        if !sessionAlive { return .keep(note: "not delivered: the session has ended") }
        if let head = workerHead, head != target {
            return .keep(note: "stale: the worker's HEAD moved on to \(head.prefix(12)); recorded, not delivered")
        }
        if delivered >= cap {
            return .capped(note: "not delivered: \(cap) review nudges already reached \(branch) from this reviewer; the human was asked")
        }
        return .deliver
    }

    /// Verdicts on other commits still waiting in the outbox when a newer one is recorded: stale,
    /// withdrawn, and never counted towards the cap. `waiting`: (run, its commit).
    public static func withdrawnByNewer(waiting: [(run: Int64, target: String)], target: String) -> [Int64] {
        waiting.filter { $0.target != target }.map(\.run).sorted()
    }
}

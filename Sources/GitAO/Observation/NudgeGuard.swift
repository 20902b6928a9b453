import Lifecycle
import Platform

/// When a message must not be typed into an agent.
enum NudgeGuard {
    /// Why an automated nudge has to wait, or nil when it may go now.
    static func hold(_ session: Session) -> String? {
        if session.state == .notStarted && session.runtime == .unknown { return "its spawn has not finished" }
        switch session.activity {
        case .blocked: return "a permission dialog is open"
        case .waitingInput: return "the agent waits for an answer to its question"
        case .exited: return "the agent's session has ended"
        default: return nil
        }
    }
}

import Agents
import Platform

/// The errors about what an agent's screen showed.
extension Messages {
    static func agentAskedAQuestion(_ agent: AgentDefinition, question: String) -> AOError {
        let hint: String
        if case .aider = agent.kind {
            hint = "aider asks this at start when .aider* or .env is not ignored: commit them to .gitignore on the base branch, "
                + "or let aider answer for itself (AIDER_YES_ALWAYS=1, or --yes-always in .aider.conf.yml); then try again."
        } else {
            hint = "Answer it once outside git-ao or configure agent '\(agent.name)' not to ask at start; then try again."
        }
        return AOError(.agentAskedAQuestion, "agent '\(agent.name)' asked a question instead of taking its task: \"\(displaySafe(question))\".",
                       hint: hint)
    }

    static func agentBusy(_ session: String, agent: String, seconds: Int, key: String) -> AOError {
        AOError(.agentBusy, "agent '\(agent)' of session \(session) was not back at its prompt within \(seconds) s; the message was not sent.",
                hint: "'git ao send --queue \(session) ...' delivers it when the agent is at its prompt; or raise \(key).")
    }

    /// Another process kept the session's delivery lock (it waits for the agent's prompt, or is stuck).
    static func deliveryBusy(_ session: String, seconds: Int, owner: Int32?) -> AOError {
        AOError(.agentBusy, "another delivery into session \(session)\(owner.map { " (process \($0))" } ?? "") was still under way after \(seconds) s; the message was not sent.",
                hint: "Deliveries into one session go one at a time. 'git ao send --queue \(session) ...' delivers it after the others; or retry.")
    }
}

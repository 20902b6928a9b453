import Agents
import Lifecycle
import Platform
import TmuxRuntime

/// When an agent can take a pasted message, judged from its screen with its `ScreenSigns`.
///
/// One rule for the spawn prompt, `send` and nudges: text is pasted only when the agent is at its
/// prompt. A program that is busy has no line editor listening, so a pasted text would arrive as
/// typed lines, each one a message (aider), or as the answer to a question it asks.
enum AgentReadiness {
    enum Outcome: Equatable {
        case ready
        /// The agent asks a question instead (the line holding it).
        case question(String)
        case timedOut
    }

    /// Waits until the agent is ready for a pasted prompt or asks a question. An agent that
    /// declares no ready rule is ready once its screen has text and stopped changing.
    static func waitForPrompt(_ agent: AgentDefinition, delivery: Delivery, timeout: Double, interrupted: () -> Bool) throws -> Outcome {
        let signs = agent.screenSigns
        var previous: [String]? = nil
        var stableLooks = 0
        let answer: Outcome? = try delivery.watchScreen(timeout: timeout, interrupted: interrupted) { screen, cursorRow in
            let reading = signs.read(screen, cursorRow: signs.judgesInputLine ? cursorRow : nil)
            if case .question(let line) = reading { return .question(line) }
            if signs.ready != nil { return reading == .ready ? .ready : nil }
            let hasContent = screen.contains { !Delivery.collapse($0).isEmpty }
            stableLooks = (hasContent && screen == previous) ? stableLooks + 1 : 0
            previous = screen
            return stableLooks >= 2 ? .ready : nil
        }
        return answer ?? .timedOut
    }

    /// For a running agent whose screen rules know its prompt (aider, a custom promptPattern): waits up to `timeout`
    /// for its prompt. nil when the agent has no such rules (the message is pasted at once, as
    /// before), else what was seen last.
    static func waitBeforeMessage(_ agent: AgentDefinition?, delivery: Delivery, timeout: Double,
                                  interrupted: () -> Bool = { false }) throws -> ScreenSigns.Reading? {
        guard let agent, agent.screenSigns.knowsItsPrompt else { return nil }
        let signs = agent.screenSigns
        var last = ScreenSigns.Reading.other
        let seen: ScreenSigns.Reading? = try delivery.watchScreen(timeout: timeout, interval: 0.2, interrupted: interrupted) { screen, cursorRow in
            last = signs.read(screen, cursorRow: signs.judgesInputLine ? cursorRow : nil)
            switch last {
            case .ready, .atPrompt, .question: return last
            case .other: return nil
            }
        }
        return seen ?? last
    }

    /// `send`: waits for the prompt of an agent whose screen git-ao reads; a question on its
    /// screen is fine (the message may be its answer), still busy at the deadline is an error.
    static func waitBeforeSend(_ session: Session, delivery: Delivery, workspace: Workspace) throws {
        let config = try workspace.config()
        guard let agent = try? AgentCatalog(config: config).definition(session.agent) else { return }
        let key = "ao.agent.\(agent.name).readyTimeout"
        let timeout = try config.timeSpan(key).map { Double($0.milliseconds) / 1000 } ?? 30
        if try waitBeforeMessage(agent, delivery: delivery, timeout: timeout) == .other {
            throw Messages.agentBusy(session.id.rawValue, agent: agent.name, seconds: Int(timeout), key: key)
        }
    }

    /// Nudges: one look, no wait; a nudge is held while the agent is not at its prompt.
    static func canTakeNudge(_ session: Session, delivery: Delivery, config: GitConfig) throws -> Bool {
        guard let agent = try? AgentCatalog(config: config).definition(session.agent), agent.screenSigns.knowsItsPrompt else { return true }
        let signs = agent.screenSigns
        let reading = try delivery.look { screen, cursorRow in signs.read(screen, cursorRow: signs.judgesInputLine ? cursorRow : nil) }
        return reading == .ready || reading == .atPrompt
    }
}

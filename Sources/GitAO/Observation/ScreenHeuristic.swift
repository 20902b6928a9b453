import Agents
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// Activity for agents that do not report it themselves (Aider, custom agents without hooks):
/// compare what their pane shows between observation passes. Output that changed means active;
/// unchanged for two passes means idle (the fallback for custom agents that declare nothing). An
/// agent's prompt rule on its input line means idle at once, its question rule there means it
/// waits for an answer; a built-in agent (aider) anywhere else is busy.
enum ScreenHeuristic {
    static let idleAfterPasses = 2

    static func signal(for session: Session, agent: AgentDefinition?, tmux: Tmux, store: StateStore, now: Timestamp) throws -> ActivitySignal? {
        let screen = try tmux.capture(session.tmuxName)
        let hash = evidenceHash(screen.joined(separator: "\n"))
        let memory = try store.screenMemory(for: session.id)
        let unchanged = memory.map { $0.hash == hash ? $0.unchangedPasses + 1 : 0 } ?? 0
        try store.setScreenMemory(for: session.id, hash: hash, unchangedPasses: unchanged, at: now)

        // Patterns count on the input line (the last one with text, or the cursor's row for
        // built-in agents), never in what has scrolled above it.
        let signs = agent?.screenSigns ?? ScreenSigns()
        let cursorRow = signs.judgesInputLine ? (try? tmux.paneState(session.tmuxName)).flatMap { $0.cursorVisible ? $0.cursorY : nil } : nil
        let line = ScreenSigns.inputLine(screen, cursorRow: cursorRow)
        if signs.questions.contains(where: { $0.matches(screen: screen, inputLine: line) }) {
            return ActivitySignal(.waitingInput, source: "screen: question pattern")
        }
        if let prompt = signs.prompt, prompt.matches(screen: screen, inputLine: line) {
            return ActivitySignal(.idle, source: "screen: prompt pattern")
        }
        // Rules that know the agent's prompt (a built-in agent's, a custom promptPattern): anywhere
        // else it is busy, even when its screen is still (a long model wait without a spinner).
        if signs.knowsItsPrompt { return ActivitySignal(.active, source: "screen: not at its prompt") }
        guard let memory else { return nil }  // first look: nothing to compare with yet
        if memory.hash != hash { return ActivitySignal(.active, source: "screen: output changed") }
        if unchanged >= idleAfterPasses { return ActivitySignal(.idle, source: "screen: unchanged for \(unchanged) passes") }
        return nil
    }
}

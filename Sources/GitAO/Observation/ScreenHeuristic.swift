import Agents
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// Activity for agents that do not report it themselves (Aider, custom agents without hooks):
/// compare what their pane shows between observation passes. Output that changed means active;
/// unchanged for two passes means idle. A custom agent's `promptPattern` on its last line of text
/// means idle at once, and its `questionPattern` there means it waits for an answer.
enum ScreenHeuristic {
    static let idleAfterPasses = 2

    static func signal(for session: Session, agent: AgentDefinition?, tmux: Tmux, store: StateStore, now: Timestamp) throws -> ActivitySignal? {
        let screen = try tmux.capture(session.tmuxName)
        let hash = evidenceHash(screen.joined(separator: "\n"))
        let memory = try store.screenMemory(for: session.id)
        let unchanged = memory.map { $0.hash == hash ? $0.unchangedPasses + 1 : 0 } ?? 0
        try store.setScreenMemory(for: session.id, hash: hash, unchangedPasses: unchanged, at: now)

        // Patterns count on the line the agent is waiting on (the last one with text), never in
        // what has scrolled above it.
        let lastLine = screen.last(where: { !Delivery.collapse($0).isEmpty }) ?? ""
        if let question = agent?.questionPattern, lastLine.contains(question) {
            return ActivitySignal(.waitingInput, source: "screen: question pattern")
        }
        if let prompt = agent?.promptPattern, lastLine.contains(prompt) {
            return ActivitySignal(.idle, source: "screen: prompt pattern")
        }
        guard let memory else { return nil }  // first look: nothing to compare with yet
        if memory.hash != hash { return ActivitySignal(.active, source: "screen: output changed") }
        if unchanged >= idleAfterPasses { return ActivitySignal(.idle, source: "screen: unchanged for \(unchanged) passes") }
        return nil
    }
}

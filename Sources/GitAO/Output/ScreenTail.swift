import Lifecycle
import Platform
import TmuxRuntime

/// The last lines of an agent's screen, for `git ao show --screen`: what attaching would show,
/// without attaching (and without any risk of typing into the agent).
enum ScreenTail {
    static let defaultLines = 40
    /// More than any screen plus a useful history; tmux keeps 2,000 history lines by default.
    static let maxLines = 10_000

    /// The last `count` lines of the session's pane, its history included when the screen holds
    /// fewer, with the blank rows below the last output dropped and every control character made
    /// visible (`TerminalText.inert`), so nothing the agent printed acts on this terminal.
    /// Throws SESSION_NOT_RUNNING when the session has ended or its tmux session is gone.
    static func lines(of session: Session, count: Int) throws -> [String] {
        if session.isTerminated {
            throw Messages.sessionNotRunning(session.id.rawValue, reason: session.terminalReason?.rawValue)
        }
        if session.state == .notStarted && session.runtime == .unknown {
            throw Messages.screenNotYet(session.id.rawValue)
        }
        let tmux = RuntimeProbing.server(of: session, tmux: try Tmux.require())
        switch tmux.listSessions() {
        case .listed(let names) where names[session.tmuxName] != nil:
            break
        case .listed, .noServer:
            throw Messages.screenGone(session.id.rawValue, tmuxName: session.tmuxName, why: "its tmux session is gone")
        case .failed(let reason):
            throw Messages.serverUnreachable(RuntimeProbing.socket(of: session), reason)
        }
        // -S -count: from `count` lines up in the history, so a short screen is filled from it.
        let result = try tmux.run(["capture-pane", "-p", "-S", "-\(count)", "-t", Tmux.paneTarget(session.tmuxName)])
        guard result.succeeded else {
            throw Messages.screenGone(session.id.rawValue, tmuxName: session.tmuxName,
                                      why: "its screen could not be read (\(result.stderrText.trimmingSpaces))")
        }
        return tail(result.stdoutText, count: count)
    }

    /// The last `count` lines of captured text, trailing blank rows dropped, controls made inert.
    static func tail(_ text: String, count: Int) -> [String] {
        var rows = text.components(separatedBy: "\n")
        while let last = rows.last, last.trimmingSpaces.isEmpty { rows.removeLast() }
        return rows.suffix(count).map { TerminalText.inert($0).replacingAll("\n", with: "^M") }
    }
}

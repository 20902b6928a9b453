import ArgumentParser
import Platform
import TmuxRuntime

/// `git ao attach <id>`: hands the terminal to the session's tmux session.
struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach the terminal to a session's tmux session.",
        discussion: "Inside tmux this switches the client to the session instead. Detach with the tmux prefix key and d."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: SessionArgument

    func run() throws {
        try global.apply()
        let (_, session) = try target.resolve()
        if session.isTerminated { throw Messages.sessionNotRunning(session.id.rawValue, reason: session.terminalReason?.rawValue) }
        let tmux = RuntimeProbing.server(of: session, tmux: try Tmux.require())
        switch tmux.listSessions() {
        case .listed(let names) where names[session.tmuxName] != nil:
            break
        case .listed, .noServer:
            throw Messages.sessionNotRunning(session.id.rawValue, reason: "its tmux session \(session.tmuxName) is gone from the tmux server at \(tmux.socketPath)")
        case .failed(let reason):
            throw Messages.serverUnreachable(tmux.socketPath, reason)
        }
        guard Environment.isSet("TMUX") || (Console.stdinIsTerminal && Console.stdoutIsTerminal) else {
            throw Messages.attachNeedsTerminal(tmuxName: session.tmuxName, socket: tmux.socketPath)
        }
        // Inside a client of another server, switch-client cannot reach the session and
        // attach-session would nest one tmux inside another.
        if Environment.isSet("TMUX") && !tmux.isCallersServer {
            throw Messages.attachFromOtherServer(session.id.rawValue, socket: tmux.socketPath, current: Tmux.defaultSocketPath())
        }
        Console.flush()
        let failure = Subprocess.exec(tmux.attachCommand(session.tmuxName))
        throw Messages.attachFailed(String(describing: failure), session: session.id.rawValue)
    }
}

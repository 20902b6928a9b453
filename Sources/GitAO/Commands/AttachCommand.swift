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
        let tmux = try Tmux.require()
        if case .listed(let names) = tmux.listSessions(), names[session.tmuxName] == nil {
            throw Messages.sessionNotRunning(session.id.rawValue, reason: "its tmux session \(session.tmuxName) is gone")
        }
        guard Environment.isSet("TMUX") || (Console.stdinIsTerminal && Console.stdoutIsTerminal) else {
            throw Messages.attachNeedsTerminal(tmuxName: session.tmuxName)
        }
        Console.flush()
        let failure = Subprocess.exec(tmux.attachCommand(session.tmuxName))
        throw Messages.attachFailed(String(describing: failure), session: session.id.rawValue)
    }
}

import ArgumentParser

/// `git ao attach <id>`: hands the terminal to the session's tmux session.
struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach the terminal to a session's tmux session.",
        discussion: "Inside tmux this switches the client to the session instead. Detach with the tmux prefix key and d."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Session id, unique id prefix, or name.", valueName: "id"))
    var session: String

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let session = try workspace.resolveSession(self.session)
        if session.isTerminated { throw Messages.sessionNotRunning(session.id.rawValue, reason: session.terminalReason?.rawValue) }
        let tmux = try Tmux.require()
        if case .listed(let names) = tmux.listSessions(), names[session.tmuxName] == nil {
            throw Messages.sessionNotRunning(session.id.rawValue, reason: "its tmux session \(session.tmuxName) is gone")
        }
        guard Environment.isSet("TMUX") || (Console.stdinIsTerminal && Console.stdoutIsTerminal) else {
            throw AOError(.invalidArgument, "attach needs a terminal, and standard input or output is not one.",
                          hint: "Run it from an interactive shell, or read the screen with: tmux capture-pane -p -t =\(session.tmuxName):")
        }
        Console.flush()
        let failure = Subprocess.exec(tmux.attachCommand(session.tmuxName))
        throw AOError(.runtimeFailed, "could not run tmux to attach: \(failure)", hint: "Check that tmux runs: tmux -V")
    }
}

import ArgumentParser
import Platform

/// `git ao`: the root command. With no subcommand it runs `status`.
struct GitAOCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "git-ao",
        abstract: "Run many AI coding agents in parallel, each on its own branch, worktree and tmux session.",
        discussion: """
            git-ao is a git subcommand suite: 'git ao spawn' starts an agent on a branch of its own, in a \
            worktree of its own, inside a tmux session of its own; 'git ao status' shows every session of \
            the repository. State lives in the repository's common git dir (.git/ao/), so every worktree \
            sees the same sessions. See git-ao(1) ('git ao --help') for concepts and configuration.
            """,
        version: version,
        subcommands: [
            StatusCommand.self, SpawnCommand.self, ShowCommand.self, AttachCommand.self, SendCommand.self,
            KillCommand.self, RestoreCommand.self, MergeCommand.self, CleanupCommand.self, ObserveCommand.self, WatchCommand.self,
            EventsCommand.self, ReviewCommand.self, HooksCommand.self, InitCommand.self, SignalCommand.self, DoctorCommand.self,
            CompletionCommand.self, ExecAgentCommand.self, HookCommand.self, FollowCommand.self, IntakeCommand.self,
        ],
        defaultSubcommand: StatusCommand.self
    )
}

extension GitAOCommand {
    /// The subcommands' names (the visible ones: those `git ao --help` lists).
    static func commandNames(visibleOnly: Bool) -> [String] {
        configuration.subcommands.compactMap { command in
            let configuration = command.configuration
            if visibleOnly && !configuration.shouldDisplay { return nil }
            return configuration.commandName
        }
    }
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if git-ao was started in <path>.", valueName: "path"))
    var directory: String?

    @Flag(name: .shortAndLong, help: "Print only what scripts need (ids, errors).")
    var quiet = false

    /// Applies `-C` (like git's), before anything looks at the current directory.
    func apply() throws {
        guard let directory else { return }
        if chdirTo(directory) != 0 {
            throw Messages.cannotChangeDirectory(directory)
        }
    }
}

/// `--json` for commands with structured output.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print JSON (errors too, on stderr).")
    var json = false
}

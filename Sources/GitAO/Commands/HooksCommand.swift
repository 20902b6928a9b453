import ArgumentParser

/// `git ao hooks install|uninstall|status`.
struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Install, remove or show git-ao's git hooks (post-commit, post-rewrite, post-merge, post-checkout).",
        discussion: """
            The hooks go where git runs them from: core.hooksPath, else the common git dir's hooks \
            folder. A hook that is already there is never overwritten: it is kept as \
            <name>.ao-chained and runs first, with its output and exit status unchanged. uninstall \
            puts back exactly what was there; installing again changes nothing. In a session's \
            worktree a hook records the commit and starts an observation pass in the background; \
            anywhere else it does nothing. A hook never fails or slows down the git command.
            """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable { case install, uninstall, status }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "install, uninstall or status")
    var action: Action = .status

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let installer = GitHooksInstaller(directory: try GitHooksInstaller.hooksDirectory(workspace: workspace))
        switch action {
        case .install:
            let (lines, conflicts) = try HooksCommand.install(installer)
            if !global.quiet { Console.line("Hooks in \(installer.directory):"); lines.forEach { Console.line("  " + $0) } }
            if !conflicts.isEmpty { throw HooksCommand.conflict(conflicts, directory: installer.directory) }
        case .uninstall:
            let lines = try installer.uninstall()
            if !global.quiet { Console.line("Hooks in \(installer.directory):"); lines.forEach { Console.line("  " + $0) } }
        case .status:
            Console.line("Hooks in \(installer.directory):")
            for name in GitHooksInstaller.hookNames { Console.line("  \(name): \(HooksCommand.describe(installer.state(of: name)))") }
        }
    }

    static func install(_ installer: GitHooksInstaller) throws -> (lines: [String], conflicts: [String]) {
        do { return try installer.install() } catch let error as FileError {
            throw AOError(.ioFailed, error.description, hint: "Check that \(installer.directory) is writable.")
        }
    }

    static func conflict(_ names: [String], directory: String) -> AOError {
        AOError(.hookConflict, "\(names.joined(separator: ", ")) in \(directory) could not be installed: a hook and a '.ao-chained' copy are both there and neither is git-ao's.",
                hint: "Merge or remove one of them by hand, then run git ao hooks install again.")
    }

    static func describe(_ state: GitHooksInstaller.State) -> String {
        switch state {
        case .absent: return "not installed"
        case .installed(let chaining): return chaining ? "installed (runs your earlier hook first)" : "installed"
        case .foreign: return "another hook is there (git ao hooks install keeps it and chains it)"
        case .conflict: return "blocked: a hook and a .ao-chained copy, neither git-ao's"
        }
    }
}

/// `git ao hook <name> [args]`: what git-ao's git hooks run. Not for people.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook", abstract: "Internal: run by git-ao's git hooks.", shouldDisplay: false)

    @Argument var name: String
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() throws { HookActions.gitHook(name: name, arguments: arguments) }
}

/// `git ao signal <agent> <event>`: what agents' hooks run.
struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Report an agent's activity (run by the agent's own hooks; always exits 0).",
        discussion: """
            Reads the agent's hook payload on standard input and records the activity for the \
            session in AO_SESSION_ID. Claude Code events: UserPromptSubmit, PreToolUse, PostToolUse \
            (active), PermissionRequest (blocked), Stop (idle), Notification (idle_prompt: idle; \
            agent_needs_input: waiting_input; permission_prompt: blocked), SessionEnd (exited), \
            SessionStart (records its session id). Codex: UserPromptSubmit (active), \
            PermissionRequest (waiting_input), Stop (idle). Any agent may also name the activity: \
            active, idle, waiting_input, blocked, exited. Problems go to <common-dir>/ao/hooks.log.
            """
    )

    @Argument(help: "The agent: claude-code, codex, or a custom agent's name.")
    var agent: String
    @Argument(help: "The hook event or activity.")
    var event: String

    func run() throws { HookActions.signal(agent: agent, event: event) }
}

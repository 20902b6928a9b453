import ArgumentParser
import Platform

/// `git ao hooks install|uninstall|status`.
struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Install, remove or show git-ao's git hooks (post-commit, post-rewrite, post-merge, post-checkout, pre-push).",
        discussion: """
            The hooks go where git runs them from: core.hooksPath, else the common git dir's hooks \
            folder. A hook that is already there is never overwritten: it is kept as \
            <name>.ao-chained and runs first, with its output and exit status unchanged. uninstall \
            puts back exactly what was there; installing again changes nothing. In a session's \
            worktree a hook records the commit and starts an observation pass in the background, and \
            pre-push starts the session's CI follower (see ao.github.followFor); anywhere else it does \
            nothing. git-ao's part of a hook never fails or slows down the git command (a chained \
            pre-push hook can still refuse the push, as before).
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
            throw Messages.hooksNotWritable(error.description, directory: installer.directory)
        }
    }

    static func conflict(_ names: [String], directory: String) -> AOError {
        Messages.hookConflict(names, directory: directory)
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

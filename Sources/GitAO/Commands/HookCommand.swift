import ArgumentParser

/// `git ao hook <name> [args]`: what git-ao's git hooks run. Not for people.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook", abstract: "Internal: run by git-ao's git hooks.", shouldDisplay: false)

    @Argument var name: String
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() throws { HookActions.gitHook(name: name, arguments: arguments) }
}

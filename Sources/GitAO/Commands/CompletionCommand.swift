import ArgumentParser
import Platform

/// `git ao completion bash|zsh|fish`: prints a completion script.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script for bash, zsh or fish.",
        discussion: """
            bash:  git ao completion bash > ~/.local/share/bash-completion/completions/git-ao
            zsh:   git ao completion zsh > "${fpath[1]}/_git-ao"
            fish:  git ao completion fish > ~/.config/fish/completions/git-ao.fish
            The bash script also completes 'git ao ...' when git's own completion is loaded.
            """
    )

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish
    }

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        let kind: CompletionShell
        switch shell {
        case .bash: kind = .bash
        case .zsh: kind = .zsh
        case .fish: kind = .fish
        }
        var script = GitAOCommand.completionScript(for: kind)
        if shell == .bash { script += CompletionCommand.gitBridge }
        Console.out(script.hasSuffix("\n") ? script : script + "\n")
    }

    /// git's bash completion calls `_git_<subcommand>` for `git <subcommand> ...`: hand those
    /// words to the git-ao completion function as if `git-ao` had been typed.
    static let gitBridge = """

        # 'git ao <TAB>': git's completion calls _git_ao; reuse the git-ao completer.
        _git_ao() {
            local -a saved_words=("${COMP_WORDS[@]}")
            local saved_cword=$COMP_CWORD
            COMP_WORDS=(git-ao "${COMP_WORDS[@]:2}")
            COMP_CWORD=$((COMP_CWORD - 1))
            _git-ao
            COMP_WORDS=("${saved_words[@]}")
            COMP_CWORD=$saved_cword
        }

        """
}

import Platform

/// What `git-ao exec-agent` runs inside the tmux pane.
package struct LaunchPlan: Codable, Equatable {
    package var argv: [String]
    /// The complete environment for the agent, except the terminal variables tmux sets.
    package var environment: [String: String]
    package var directory: String

    package init(argv: [String], environment: [String: String], directory: String) {
        self.argv = argv
        self.environment = environment
        self.directory = directory
    }
}

extension LaunchPlan {
    /// Variables that describe the pane the agent runs in; tmux sets them, and the spawning
    /// terminal's values would be wrong there.
    package static let terminalVariables = ["TMUX", "TMUX_PANE", "TERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "COLORTERM", "COLUMNS", "LINES"]

    /// Variables that would point the agent's git at the wrong repository or carry one
    /// invocation's settings into a long-lived agent.
    package static func isInvocationSpecific(_ name: String) -> Bool {
        if terminalVariables.contains(name) { return true }
        if ["PWD", "OLDPWD", "SHLVL", "_", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
            "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX",
            "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_EXEC_PATH", "GIT_REFLOG_ACTION"].contains(name) { return true }
        return name.hasPrefix("GIT_CONFIG_KEY_") || name.hasPrefix("GIT_CONFIG_VALUE_") || name.hasPrefix("AO_")
    }

    /// The environment for an agent: this process's, minus invocation-specific variables,
    /// plus git-ao's own.
    package static func agentEnvironment(adding extra: [String: String]) -> [String: String] {
        var environment = Environment.all().filter { !isInvocationSpecific($0.key) }
        for (key, value) in extra { environment[key] = value }
        return environment
    }
}

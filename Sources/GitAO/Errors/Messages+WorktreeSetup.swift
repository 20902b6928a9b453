import Platform

/// Errors of a fresh worktree's preparation: the setup step and the session's port.
extension Messages {
    static func setupFailed(_ what: String, log: String, lastLines: [String]) -> AOError {
        AOError(.setupFailed, "the setup step (\(ConfigKeys.spawnSetup)) \(what); its output is in '\(log)'.",
                hint: "Read the log, fix the step (or run it by hand in the worktree), then spawn again; git config \(ConfigKeys.spawnSetupFailure) warn keeps sessions whose setup fails.",
                details: lastLines.isEmpty ? [] : ["last lines of the log:"] + lastLines.map { "| " + $0 })
    }

    /// `worktree` is where a program named by a path was looked for; nil for one looked up on PATH.
    static func setupProgramNotFound(_ program: String, worktree: String?) -> AOError {
        AOError(.setupFailed, "the setup program '\(displaySafe(program))' (\(ConfigKeys.spawnSetup)) " +
                (worktree.map { "is not an executable file in the worktree '\($0)'." } ?? "was not found on PATH."),
                hint: "Name a program on PATH or a script in the repository (./scripts/setup-worktree.sh) that is executable.")
    }

    static func invalidSetupTemplate(_ value: String, reason: String) -> AOError {
        AOError(.invalidConfig, "git config '\(ConfigKeys.spawnSetup)' is '\(displaySafe(value))', which cannot be split into words: \(reason).",
                hint: "Quote it like a simple shell command: git config \(ConfigKeys.spawnSetup) 'npm ci'")
    }

    static func portRangeExhausted(_ range: ClosedRange<Int>) -> AOError {
        AOError(.portRangeExhausted, "every port of \(ConfigKeys.portRange) \(range.lowerBound)-\(range.upperBound) is taken by a live session or by another program.",
                hint: "End a session (git ao kill <id>) or widen the range: git config \(ConfigKeys.portRange) \(range.lowerBound)-\(range.upperBound + 100)")
    }
}

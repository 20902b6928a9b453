import Platform

/// The errors the agent catalog raises.
extension Messages {
    package static func unknownAgent(_ name: String, known: [String]) -> AOError {
        let guess = NameSuggestion.closest(to: name, among: known).map { "Did you mean '\($0)'? " } ?? ""
        return AOError(.unknownAgent, "no agent is called '\(name)'.",
                       hint: "\(guess)Use one of: \(known.joined(separator: ", ")); or define it: git config ao.agent.\(name).command '<program> {prompt}'")
    }

    package static func agentCommandInvalid(_ agent: String, key: String, reason: String) -> AOError {
        AOError(.agentCommandInvalid, "the command of agent '\(agent)' (\(key)) cannot be used: \(reason).",
                hint: "Fix it: git config \(key) '<program> <args> {prompt}'")
    }

    static func agentSettingsInvalid(_ path: String, reason: String) -> AOError {
        AOError(.agentCommandInvalid, "'\(path)' \(reason).", hint: "Fix or remove that file on the branch, then spawn again.")
    }

    static func skipWorktreeFailed(_ path: String, detail: String) -> AOError {
        AOError(.gitFailed, "git could not mark '\(path)' skip-worktree: \(detail.trimmingSpaces)", hint: "Run 'git ao doctor'.")
    }
}

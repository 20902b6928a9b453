import Platform

/// The errors Forge raises itself.
extension Messages {
    package static func invalidEnvironment(variable: String, value: String, expected: String) -> AOError {
        AOError(.invalidConfig, "the environment variable \(variable) is '\(value)', which is not \(expected).",
                hint: "Fix it, or unset it to use git config and the default: unset \(variable)")
    }

    package static func prNotFound(_ number: Int, repository: String) -> AOError {
        AOError(.prNotFound, "pull request #\(number) was not found in \(repository).",
                hint: "Check the number (gh pr list), and that the token can read \(repository).")
    }

    package static func prNotOpen(_ number: Int, state: String) -> AOError {
        AOError(.prNotOpen, "pull request #\(number) is \(state), not open.",
                hint: "Reopen it on GitHub first, or spawn on its branch with --branch.")
    }

    package static func prClaimed(_ number: Int, session: String) -> AOError {
        AOError(.prClaimedByActiveSession, "pull request #\(number) already has a live session, \(session).",
                hint: "Use that one (git ao attach \(session)), or end it first: git ao kill \(session)")
    }

    package static func githubUnavailable(_ why: String) -> AOError {
        AOError(.githubUnavailable, "GitHub cannot be asked: \(why).",
                hint: "Set a token (export GITHUB_TOKEN=..., or gh auth login), check ao.remote and ao.github.apiUrl; git ao doctor shows what is in force.")
    }
}

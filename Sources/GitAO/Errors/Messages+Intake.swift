import Platform

/// The errors of issue intake and `spawn --issue`.
extension Messages {
    static func intakeUnscoped() -> AOError {
        AOError(.intakeUnscoped, "intake is enabled with neither ao.intake.labels nor ao.intake.assignee, so every open issue would become a session.",
                hint: "Scope it first: git config --add ao.intake.labels <label>, or git config ao.intake.assignee <login|*|none>.")
    }

    static func intakeDisabled() -> AOError {
        AOError(.intakeDisabled, "issue intake is off for this repository (ao.intake.enabled is not true).",
                hint: "See what it would do with: git ao intake --dry-run; turn it on with: git config ao.intake.enabled true")
    }

    static func issueNotFound(_ number: Int, repository: String) -> AOError {
        AOError(.issueNotFound, "issue #\(number) was not found in \(repository) (or it is a pull request).",
                hint: "Check the number (gh issue list), and that the token can read \(repository); for a pull request use spawn --pr.")
    }

    static func issueNotOpen(_ number: Int, state: String) -> AOError {
        AOError(.issueNotOpen, "issue #\(number) is \(state), not open.",
                hint: "Reopen it on GitHub first, or spawn with --prompt for work that has no open issue.")
    }

    static func issueHasLiveSession(_ issue: String, session: String) -> AOError {
        AOError(.issueHasLiveSession, "\(issue) already has a live session, \(session).",
                hint: "Use that one (git ao attach \(session)), or end it first: git ao kill \(session)")
    }
}

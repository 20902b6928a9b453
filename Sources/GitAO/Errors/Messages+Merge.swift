import Platform

/// The refusals of `git ao merge`. Each says that nothing changed: a refusal is decided before
/// the base moves, and what was computed in memory is dropped.
extension Messages {
    static func mergeConflict(_ id: String, branch: String, base: String, paths: [String], at commit: String?, nudged: Bool) -> AOError {
        let shown = paths.prefix(20).map { displaySafe($0) }.joined(separator: ", ") + (paths.count > 20 ? " and \(paths.count - 20) more" : "")
        let during = commit.map { " while replaying \($0.prefix(12))" } ?? ""
        return AOError(.mergeConflict, "session \(id)'s branch \(displaySafe(branch)) conflicts with \(displaySafe(base))\(during) in \(shown); nothing was changed.",
                       hint: nudged ? "Its agent was asked to rebase onto \(displaySafe(base)); run git ao merge \(id) again once it has."
                                    : "Have its agent rebase onto \(displaySafe(base)) (git ao merge \(id) --nudge asks it to), then run git ao merge \(id) again.")
    }

    static func reviewFailed(_ id: String, why: String, lastLines: [String], log: String) -> AOError {
        let tail = lastLines.map { displaySafe($0) }.joined(separator: "\n")
        return AOError(.reviewFailed, "the command reviewer did not approve session \(id)'s work landed on its base (\(why)); nothing was changed."
                       + (tail.isEmpty ? "" : "\nLast lines of its output:\n" + tail),
                       hint: "The whole output is in \(displaySafe(log)). Fix the work, or land it untested with git ao merge \(id) --no-review.")
    }

    static func baseDirty(_ base: String, worktree: String, modified: Int) -> AOError {
        AOError(.baseDirty, "the base branch \(displaySafe(base)) is checked out in \(displaySafe(worktree)), which has \(modified) uncommitted change\(modified == 1 ? "" : "s") to tracked files; nothing was changed.",
                hint: "Commit or stash them (git -C \(shellQuoted(worktree)) stash), then run the command again.")
    }

    static func baseBlocked(_ base: String, worktree: String, why: String) -> AOError {
        AOError(.baseDirty, "the files of \(displaySafe(worktree)), which has \(displaySafe(base)) checked out, could not follow the landing (\(displaySafe(why))); nothing was changed.",
                hint: "Move the untracked files that are in the way (git -C \(shellQuoted(worktree)) status), then run the command again.")
    }

    static func sessionBusy(_ id: String) -> AOError {
        AOError(.sessionBusy, "session \(id)'s agent is working; landing now could take half of its change, and nothing was changed.",
                hint: "Wait until it is idle (git ao status), or land what it has committed so far with git ao merge \(id) --force.")
    }

    static func nothingToMerge(_ id: String, branch: String, base: String) -> AOError {
        AOError(.nothingToMerge, "session \(id)'s branch \(displaySafe(branch)) has no commit that \(displaySafe(base)) lacks; nothing was changed.",
                hint: "If its work is already on \(displaySafe(base)), git ao kill \(id) and git ao cleanup end it.")
    }

    static func baseMoved(_ base: String) -> AOError {
        AOError(.baseMoved, "the base branch \(displaySafe(base)) kept moving while the landing was computed and tested; nothing was changed.",
                hint: "Run the command again.")
    }

    static func baseNotLocal(_ baseRef: String) -> AOError {
        AOError(.baseNotFound, "the session's base '\(displaySafe(baseRef))' is not a local branch, so there is nothing to move forward.",
                hint: "Create the local branch (git branch <name> \(shellQuoted(baseRef))), then run the command again.")
    }

    static func mergeBusy(_ holder: String) -> AOError {
        AOError(.ioFailed, "another git ao merge (process \(holder)) has been landing in this repository for 10 minutes; nothing was changed.",
                hint: "Wait for it to finish, then run the command again.")
    }
}

/// The refusals of a landing through GitHub.
extension Messages {
    static func prNotMergeable(_ id: String, number: Int, why: String) -> AOError {
        AOError(.prNotMergeable, "pull request #\(number) of session \(id) cannot be merged: \(displaySafe(why)); nothing was changed.",
                hint: "Fix what GitHub reports (git ao show \(id)), or land it locally with git ao merge \(id) --local.")
    }

    static func prHeadMoved(_ id: String, number: Int, expected: String, why: String) -> AOError {
        AOError(.prHeadMoved, "pull request #\(number)'s head is no longer \(expected.prefix(12)), the commit session \(id)'s branch holds (GitHub: \(displaySafe(why))); nothing was merged.",
                hint: "Push the branch (or fetch what was pushed) so both agree, then run git ao merge \(id) again.")
    }

    static func gitHubMergeFailed(_ id: String, number: Int, why: String) -> AOError {
        AOError(.githubUnavailable, "pull request #\(number) of session \(id) could not be merged through GitHub: \(displaySafe(why)).",
                hint: "Check on GitHub whether it merged; run git ao merge \(id) again, or land it locally with --local.")
    }
}

import Platform

/// The errors of `git ao cleanup --discard`.
extension Messages {
    static func discardLive(_ id: String) -> AOError {
        AOError(.sessionLive, "session \(id) is still live; --discard lets go of ended sessions only, and nothing was removed.",
                hint: "End it first (git ao kill \(id)), then: git ao cleanup --discard \(id)")
    }

    static func discardDirty(_ id: String, path: String, modified: Int, untracked: Int) -> AOError {
        AOError(.worktreeDirty, "session \(id)'s worktree '\(path)' has uncommitted changes (\(modified) modified, \(untracked) untracked), which --discard would lose; nothing was removed.",
                hint: "Commit them (git -C \(shellQuoted(path)) add -A && git -C \(shellQuoted(path)) commit) so they are archived with the branch, or stash or delete them, then run the command again.")
    }
}

import Platform
import Worktree

/// Removing a session's worktree only when nothing in it can be lost.
enum WorktreeDisposal {
    enum Outcome: Equatable {
        case removed
        /// The directory was already gone (git's bookkeeping, if any, was pruned).
        case alreadyGone
        case kept(String)
    }

    /// Removes the worktree at `path` if it has no uncommitted changes and is not locked.
    static func removeIfClean(_ path: String, repository: Repository) -> Outcome {
        guard fileExists(path) else {
            try? repository.removeWorktree(at: path)
            return .alreadyGone
        }
        do {
            if let info = try repository.worktrees().first(where: { samePath($0.path, path) }), info.isLocked {
                return .kept("it is locked (git worktree unlock '\(path)')")
            }
            let changes = try repository.changes(inWorktreeAt: path)
            if !changes.isClean {
                return .kept("it has uncommitted changes (\(changes.tracked) modified, \(changes.untracked) untracked)")
            }
            try repository.removeWorktree(at: path)
            return .removed
        } catch {
            // Removed by someone else while it was being checked: it is gone, not kept.
            if !fileExists(path) { return .alreadyGone }
            return .kept("it could not be checked: \(AOError.wrapping(error).message)")
        }
    }
}

extension WorktreeDisposal {
    /// The repository-wide lock that kill, cleanup and the undo of abandoned spawns hold while
    /// they end agents and remove worktrees, so two of them never race on one worktree.
    static func lock(_ workspace: Workspace) throws -> FileLock {
        let directory = workspace.location.aoDirectory
        try makeDirectories(directory, mode: 0o755)
        let path = directory + "/disposal.lock"
        guard let lock = try FileLock.acquire(path, wait: 60) else {
            throw AOError(.ioFailed, "another git-ao process (\(FileLock.owner(of: path).map(String.init) ?? "unknown")) has been removing worktrees for 60 s.",
                          hint: "Wait for it to finish, then retry.")
        }
        lock.recordOwner()
        return lock
    }
}

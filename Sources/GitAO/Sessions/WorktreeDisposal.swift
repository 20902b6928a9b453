import Lifecycle
import Platform
import Worktree

/// Removing a session's worktree only when nothing in it can be lost: no uncommitted change, and
/// no commit that only the worktree still holds.
///
/// A linked worktree's HEAD and HEAD reflog live in its admin dir and die with it. So before any
/// worktree goes, every commit its HEAD or HEAD reflog names that no reference outside `leaving`
/// reaches (a detached HEAD's commits, the ones `reset --hard HEAD~2` or a rebase left behind)
/// is saved as `refs/ao/archive/<id>-<n>`. When they cannot be saved, the worktree is kept.
enum WorktreeDisposal {
    enum Outcome: Equatable {
        case removed
        /// The directory was already gone (git's bookkeeping, if any, was pruned).
        case alreadyGone
        case kept(String)
    }

    /// What disposing did: the outcome, and the references that now hold commits only the
    /// worktree held.
    struct Disposal: Equatable {
        var outcome: Outcome
        var saved: [String] = []
    }

    /// Where commit `n` (from 1) that only session `id`'s worktree held is saved. Not
    /// `refs/ao/archive/<id>/<n>`: `refs/ao/archive/<id>` (cleanup's copy of the branch tip)
    /// would be both a file and a directory.
    static func savedRef(for id: String, _ n: Int) -> String { "refs/ao/archive/\(id)-\(n)" }

    /// What commands print about saved commits.
    static func savedSentence(_ refs: [String]) -> String {
        let what = refs.count == 1 ? "a commit that no branch held" : "\(refs.count) commits that no branch held"
        return "Saved \(what) as \(refs.joined(separator: ", ")) (git log \(refs[0]))."
    }

    /// Removes the worktree at `path` if it has no uncommitted changes and is not locked, saving
    /// first what only it holds (see `dispose`).
    static func removeIfClean(_ path: String, repository: Repository) -> Outcome {
        dispose(path, repository: repository).outcome
    }

    /// Removes the worktree at `path` when it is clean and unlocked. `leaving` names references
    /// that are about to be deleted too (a branch cleanup deletes), whose commits therefore do
    /// not count as kept. `session` names the archive refs; without it, the session marker in the
    /// worktree's admin dir does, or the worktree's name.
    static func dispose(_ path: String, repository: Repository, session: SessionID? = nil,
                        leaving branches: [String] = [], requireClean: Bool = true) -> Disposal {
        do {
            let info = try repository.worktrees().first(where: { samePath($0.path, path) && !$0.isMain })
            if !fileExists(path) {
                if let info {
                    // The directory is gone but git's admin dir (HEAD, reflog) is not yet.
                    let saved = try save(info, repository: repository, session: session, leaving: branches)
                    try? repository.removeWorktree(at: path)
                    return Disposal(outcome: .alreadyGone, saved: saved)
                }
                return Disposal(outcome: .alreadyGone)
            }
            if let info, info.isLocked {
                return Disposal(outcome: .kept("it is locked (git worktree unlock '\(path)')"))
            }
            if requireClean {
                let changes = try repository.changes(inWorktreeAt: path)
                if !changes.isClean {
                    return Disposal(outcome: .kept("it has uncommitted changes (\(changes.tracked) modified, \(changes.untracked) untracked)"))
                }
            }
            var saved: [String] = []
            if let info {
                do {
                    saved = try save(info, repository: repository, session: session, leaving: branches)
                } catch {
                    return Disposal(outcome: .kept("it holds commits no branch holds, and they could not be saved: \(AOError.wrapping(error).message)"))
                }
            }
            try repository.removeWorktree(at: path)
            return Disposal(outcome: .removed, saved: saved)
        } catch {
            // Removed by someone else while it was being checked: it is gone, not kept.
            if !fileExists(path) { return Disposal(outcome: .alreadyGone) }
            return Disposal(outcome: .kept("it could not be checked: \(AOError.wrapping(error).message)"))
        }
    }

    /// Prunes git's entry for a worktree at `path` whose folder is gone (a removal killed right
    /// after it moved the folder into the trash, or a folder deleted by hand), saving first the
    /// commits only that entry holds, before a new worktree is made at the same path: otherwise
    /// git would list the path twice, and `git worktree prune` would call the new entry a
    /// duplicate. Returns the references written.
    static func pruneVanished(at path: String, repository: Repository) -> [String] {
        guard !fileExists(path), let worktrees = try? repository.worktrees(),
              let stale = worktrees.first(where: { samePath($0.path, path) && !$0.isMain && !$0.isValid }), !stale.isLocked else { return [] }
        return dispose(path, repository: repository).saved
    }

    /// Saves the commits only this worktree holds; returns the references written.
    private static func save(_ info: WorktreeInfo, repository: Repository, session: SessionID?, leaving branches: [String]) throws -> [String] {
        guard let name = info.name else { return [] }
        let commonDir = repository.commonDir
        let leaving = Set(branches.map { "refs/heads/" + $0 })
        let reflogs = branches.map { commonDir + "/logs/refs/heads/" + $0 }
        let lost = try repository.commitsOnlyHeld(byWorktree: name, leaving: leaving, extraReflogs: reflogs)
        if lost.isEmpty { return [] }
        let id = session?.rawValue ?? SessionMarker.read(gitDir: commonDir + "/worktrees/" + name)?.rawValue ?? name
        var written: [String] = []
        var n = 1
        for sha in lost {
            // Never move an existing archive: take the next free number (or one that already
            // holds this very commit).
            while let existing = try repository.referenceTarget(savedRef(for: id, n)), existing != sha { n += 1 }
            let ref = savedRef(for: id, n)
            try repository.writeReference(ref, to: sha, message: "git-ao: commit only worktree \(info.path) held")
            written.append(ref)
            n += 1
        }
        return written
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

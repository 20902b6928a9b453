import Lifecycle
import Platform
import Worktree

/// The trash folders where a worktree removal cut short may have left its rest: beside every
/// session's worktree (so a worktree root changed since a spawn is still covered) and in the
/// worktree root of today. `cleanup` sweeps them, `doctor` lists what they hold.
enum TrashFolders {
    static func of(_ sessions: [Session], worktreeRoot: String?) -> [WorktreeTrash] {
        var candidates: [WorktreeTrash] = []
        if let worktreeRoot { candidates.append(WorktreeTrash(directory: worktreeRoot + "/" + WorktreeTrash.folderName)) }
        candidates += sessions.filter { !$0.worktreePath.isEmpty }.map { WorktreeTrash.beside($0.worktreePath) }
        var seen = Set<String>()
        return candidates.filter { trash in
            // One folder reached through two spellings (a symlinked root) is one folder.
            let parent = String(trash.directory.dropLast(WorktreeTrash.folderName.count + 1))
            return seen.insert(canonicalPath(parent.isEmpty ? "/" : parent)).inserted
        }
    }

    /// The leftovers of all `trashes`, as the next sweep would delete them.
    static func leftovers(_ trashes: [WorktreeTrash]) -> [String] {
        trashes.flatMap { $0.contents().leftovers }
    }
}

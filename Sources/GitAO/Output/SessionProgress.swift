import Lifecycle
import Platform
import Store
import Worktree

/// Progress at a glance for `status -v`, `status --json`, `show`: what `WorktreeProgress`
/// counts, kept in the progress cache so that the history walk and the diff are paid once per
/// change of HEAD, base, index or uncommitted file, not on every call. Plain `status` never
/// asks for it.
enum SessionProgress {
    /// The progress of each session that has a worktree to count in; a session whose worktree
    /// is gone, or cannot be read, has none (shown as unknown, never as an error).
    static func of(_ sessions: [Session], aoDirectory: String) -> [SessionID: WorktreeProgress] {
        let cache = ProgressCache(aoDirectory: aoDirectory)
        // One after the other: counting them side by side on threads measured no faster (a
        // cache hit is a few stat calls; a miss is dominated by loading libgit2, paid once).
        var result: [SessionID: WorktreeProgress] = [:]
        for session in sessions where !session.worktreePath.isEmpty && session.cleanedAt == nil {
            result[session.id] = progress(of: session, cache: cache)
        }
        return result
    }

    private static func progress(of session: Session, cache: ProgressCache) -> WorktreeProgress? {
        let kept = cache.entry(for: session.id)
        // Nothing the figures depend on has changed: no libgit2 at all.
        if let kept, WorktreeProgress.snapshotHolds(kept.snapshot) {
            return WorktreeProgress(counts: .init(ahead: kept.ahead, behind: kept.behind, insertions: kept.insertions, deletions: kept.deletions),
                                    dirty: kept.dirty, baseIsRecorded: kept.baseIsRecorded, key: kept.key, computed: false, snapshot: kept.snapshot)
        }
        let found = try? Repository.progress(ofWorktreeAt: session.worktreePath, baseRef: session.baseRef,
                                             recordedBase: session.baseSHA.rawValue) { key in
            guard let kept, kept.key == key else { return nil }
            return .init(ahead: kept.ahead, behind: kept.behind, insertions: kept.insertions, deletions: kept.deletions)
        }
        guard let progress = found ?? nil else { return nil }
        if progress.computed || progress.snapshot != kept?.snapshot || progress.dirty != kept?.dirty {
            let c = progress.counts
            cache.keep(.init(key: progress.key, ahead: c.ahead, behind: c.behind, insertions: c.insertions, deletions: c.deletions,
                             dirty: progress.dirty, baseIsRecorded: progress.baseIsRecorded, snapshot: progress.snapshot), for: session.id)
        }
        return progress
    }

    /// The table cell: `2 ahead, 1 behind, +3 -1, uncommitted`; `-` when there is nothing to say.
    static func cell(_ progress: WorktreeProgress?) -> String {
        guard let progress else { return "?" }
        let c = progress.counts
        var parts: [String] = []
        if c.ahead > 0 { parts.append("\(c.ahead) ahead") }
        if c.behind > 0 { parts.append("\(c.behind) behind") }
        if c.insertions + c.deletions > 0 { parts.append("+\(c.insertions) -\(c.deletions)") }
        if progress.dirty { parts.append("uncommitted") }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }

    /// The `show` line: every figure, with the base named.
    static func line(_ progress: WorktreeProgress?, session: Session) -> String {
        guard let progress else { return "unknown: the worktree is missing or cannot be read" }
        let c = progress.counts
        let base = progress.baseIsRecorded
            ? "\(session.baseRef) (gone: counted since the recorded base \(session.baseSHA.short))" : session.baseRef
        return "\(c.ahead) ahead, \(c.behind) behind \(base); +\(c.insertions) -\(c.deletions) lines since the merge base; "
            + (progress.dirty ? "uncommitted changes" : "nothing uncommitted")
    }
}

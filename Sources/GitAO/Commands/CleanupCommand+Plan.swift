import Lifecycle
import Platform
import Worktree

/// What cleanup plans for one session: remove its worktree, delete its branch, archive its tip,
/// or skip it with the reason. Nothing is changed here; `execute` re-checks before it acts.
extension CleanupCommand {
    /// Decides what can go, without changing anything.
    func evaluate(_ session: Session, repository: Repository, worktrees: [WorktreeInfo], discarding: Bool = false) throws -> Item {
        var item = Item(session: session, tip: nil, removeWorktree: false, deleteBranch: false)
        let path = session.worktreePath
        if fileExists(path) {
            if let info = worktrees.first(where: { samePath($0.path, path) }) {
                if info.isLocked { item.skipReason = "its worktree \(path) is locked"; return item }
                let changes = try repository.changes(inWorktreeAt: path)
                if !changes.isClean {
                    item.skipReason = "its worktree has uncommitted changes (\(changes.tracked) modified, \(changes.untracked) untracked)"
                    return item
                }
                item.removeWorktree = true
            } else {
                item.skipReason = "\(path) exists but is not a worktree of this repository"
                return item
            }
        }
        let branch = session.branch.rawValue
        guard let tip = try repository.localBranchTip(branch) else { return item }
        item.tip = tip
        let upstreamName = try repository.upstreamReference(of: branch)
        let upstream = try upstreamName.flatMap { try repository.referenceTarget($0) }
        let baseRef = try repository.resolveRevision(session.baseRef)?.sha
        let base = baseRef ?? session.baseSHA.rawValue
        let onUpstream = try upstream.map { try repository.isAncestor(tip, of: $0) } ?? false
        let onBaseRef = try baseRef.map { try repository.isAncestor(tip, of: $0) } ?? false
        let safe = try onUpstream || repository.isAncestor(tip, of: base)
        if onUpstream, let upstreamName { item.heldBy = upstreamName } else if onBaseRef { item.heldBy = session.baseRef }
        if !safe && discarding {
            // Let go of anyway: a branch that goes has its tip archived below (one git-ao did
            // not create stays, and holds the commits itself).
            item.discarded = true
        } else if !safe {
            let ahead = (try? repository.aheadBehind(tip, upstream ?? base).ahead) ?? 0
            let against = upstream != nil ? "its upstream or on \(session.baseRef)" : "\(session.baseRef) (and it has no upstream)"
            item.skipReason = "branch \(branch) has \(ahead) commit\(ahead == 1 ? " that is" : "s that are") not on \(against); push or merge them first"
            item.removeWorktree = false
            return item
        }
        if !session.branchCreated {
            item.keptBranchReason = "git-ao did not create it"
        } else if let holder = worktrees.first(where: { $0.branch == branch && !samePath($0.path, path) }) {
            item.keptBranchReason = "it is checked out in \(holder.path)"
        } else {
            item.deleteBranch = true
        }
        // An archive only when the branch goes and nothing that stays holds the tip: archive
        // refs of work already on the base or upstream would only pile up.
        item.archive = item.deleteBranch && item.heldBy == nil
        return item
    }
}

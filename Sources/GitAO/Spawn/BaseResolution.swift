import Lifecycle
import Platform
import TmuxRuntime
import Worktree

/// Which commit a new session starts from, and why, said on every spawn. The issue that led
/// here: with `origin/main` behind local `main`, spawn took `origin/main` silently, and a setup
/// script that existed only on local `main` then failed with a hint that pointed elsewhere.
extension SpawnPlanner {
    typealias Base = (ref: String, sha: String, reason: String?)

    /// `--base` as given. Otherwise: inside a session's worktree, that session's branch; else
    /// origin's default branch (`refs/remotes/origin/HEAD`, then `origin/main`), or the local
    /// branch of the same name when it is newer (see `newer`); then the branch checked out here.
    /// For a branch that already exists the base only records what cleanup compares it with.
    func resolveBase(_ requested: String?, branch: String, source: SpawnPlan.BranchSource,
                     inside: (id: SessionID, branch: BranchName)?) throws -> Base {
        if let requested {
            if let resolved = try repository.resolveRevision(requested) { return (requested, resolved.sha, nil) }
            if let remote = try repository.remoteNames().first(where: { requested.hasPrefix($0 + "/") }) {
                throw Messages.branchNotFetched(requested, remote: remote)
            }
            throw Messages.baseNotFound(requested)
        }
        if let inside, let tip = try repository.localBranchTip(inside.branch.rawValue) {
            return (inside.branch.rawValue, tip,
                    "spawned from inside session \(inside.id)'s worktree, so it starts from that session's branch (--base to choose another)")
        }
        if let target = try repository.symbolicTarget(of: "refs/remotes/origin/HEAD"),
           let sha = try repository.referenceTarget(target) {
            return try newer(remote: target.hasPrefix("refs/remotes/") ? String(target.dropFirst("refs/remotes/".count)) : target, sha: sha)
        }
        if let sha = try repository.referenceTarget("refs/remotes/origin/main") { return try newer(remote: "origin/main", sha: sha) }
        if let current = try repository.currentBranch(), let sha = try repository.localBranchTip(current) {
            return (current, sha, nil)
        }
        if let head = try repository.headSHA() { return (head, head, nil) }
        switch source {
        case .existing:
            if let tip = try repository.localBranchTip(branch) { return (branch, tip, nil) }
        case .remote(let upstream, let tip):
            return (upstream, tip.rawValue, nil)
        case .fromBase:
            break
        }
        throw Messages.noDefaultBase(unbornBranch: try repository.isHeadUnborn ? repository.currentBranch() : nil)
    }

    /// The remote-tracking branch `remote` (`origin/main`) or the local branch of the same name:
    /// the newer when one contains the other (local work not pushed yet is part of what the
    /// user means by main); the remote-tracking one when they have diverged, since a pull
    /// request merges into it, with the reason said.
    func newer(remote: String, sha: String) throws -> Base {
        guard let slash = remote.firstIndex(of: "/") else { return (remote, sha, nil) }
        let local = String(remote[remote.index(after: slash)...])
        guard let localSHA = try repository.localBranchTip(local), localSHA != sha else { return (remote, sha, nil) }
        let (ahead, behind) = try repository.aheadBehind(localSHA, sha)
        if behind == 0 {
            return (local, localSHA, "\(local) is \(SpawnPlanner.commits(ahead)) ahead of \(remote) (not pushed), so it starts from \(local)")
        }
        if ahead == 0 { return (remote, sha, nil) }
        return (remote, sha, "\(local) and \(remote) have diverged (\(local) has \(SpawnPlanner.commits(ahead)) \(remote) lacks, "
                + "\(remote) has \(SpawnPlanner.commits(behind)) \(local) lacks); took \(remote), which a pull request merges into; "
                + "to start from the local branch: --base \(local)")
    }

    static func commits(_ n: Int) -> String { n == 1 ? "1 commit" : "\(n) commits" }
}

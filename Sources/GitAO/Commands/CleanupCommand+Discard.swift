import Lifecycle
import Platform
import Worktree

/// `git ao cleanup --discard <id>...`: letting go of experiments. Plain cleanup keeps every ended
/// session whose branch holds commits nothing else holds; --discard removes the named ones anyway,
/// after saving each such branch tip as refs/ao/archive/<id> (and, as always, whatever only the
/// worktree held as refs/ao/archive/<id>-<n>), so nothing is lost and `git branch` brings a
/// branch back. Uncommitted changes cannot be archived, so a dirty worktree is refused rather
/// than removed.
extension CleanupCommand {
    /// The named sessions that still have something to clean, and the ids already cleaned.
    /// Every name is checked before anything is removed: one live or dirty session refuses the
    /// whole command, so a typo in a list never leaves half of it done.
    func discardCandidates(_ handles: [String], all: [Session], repository: Repository) throws -> (sessions: [Session], alreadyCleaned: [SessionID]) {
        var chosen: [Session] = []
        var cleaned: [SessionID] = []
        for handle in handles {
            // Elsewhere a prefix goes to its one live session; here that guess would either refuse
            // with "end it first" about a session the user did not mean, or discard the wrong
            // experiment. A command that deletes branches takes no guess: a prefix must be unique.
            let prefixed = all.filter { $0.id.rawValue.hasPrefix(handle) }
            if prefixed.count > 1, !all.contains(where: { $0.id.rawValue == handle || $0.name == handle }) {
                throw Messages.sessionAmbiguous(handle, candidates: prefixed.map(\.id.rawValue))
            }
            let session = try SessionResolver.resolve(handle, among: all)
            if chosen.contains(where: { $0.id == session.id }) || cleaned.contains(session.id) { continue }
            guard session.isTerminated else { throw Messages.discardLive(session.id.rawValue) }
            if session.cleanedAt != nil { cleaned.append(session.id); continue }
            let path = session.worktreePath
            if fileExists(path), try repository.worktrees().contains(where: { samePath($0.path, path) }) {
                let changes = try repository.changes(inWorktreeAt: path)
                if !changes.isClean {
                    throw Messages.discardDirty(session.id.rawValue, path: path, modified: changes.tracked, untracked: changes.untracked)
                }
            }
            chosen.append(session)
        }
        return (chosen, cleaned)
    }

    /// The command that brings a discarded branch back, for the report.
    /// A branch name is quoted only when a shell would read something in it (git allows `$`,
    /// `(`, `'` and more in a name): the line is meant to be copied into one.
    static func restoreCommand(_ item: Item) -> String {
        let name = item.session.branch.rawValue
        let plain = name.unicodeScalars.allSatisfy { !$0.isASCII || ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._/+@-".unicodeScalars.contains($0)) }
        return "git branch \(plain ? name : shellQuoted(name)) \(archiveRef(for: item.session.id))"
    }
}

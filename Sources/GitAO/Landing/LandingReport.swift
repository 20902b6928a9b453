import Lifecycle
import Platform

/// What one landing did or would do: the model `git ao merge` renders as text or JSON.
struct LandingReport: Encodable {
    struct Commit: Encodable, Equatable {
        let sha: String
        let subject: String
    }

    var session: String
    var branch: String
    var base: String
    var method: String
    var old_base: String
    var new_tip: String?
    var commits: [Commit]
    var dry_run: Bool
    /// Paths a dry run found conflicting.
    var conflict: [String]?
    var reviewed = false
    var resumed: String?
    /// The worktree whose files followed the base (it had the base checked out).
    var baseWorktree: String?
    var retirement: SessionRetirement.Outcome?
    var warnings: [String] = []
    /// Set when the landing went through GitHub: the pull request merged.
    var pull_request: Int?

    enum CodingKeys: String, CodingKey {
        case session, branch, base, method, old_base, new_tip, commits, dry_run, conflict, reviewed, resumed, retirement, warnings, pull_request
        case baseWorktree = "base_worktree"
    }

    init(session: Session, base: String, method: MergeMethod, oldBase: String, newTip: String?,
         commits: [(sha: String, subject: String, isMerge: Bool)], dryRun: Bool, conflict: [String]? = nil) {
        self.session = session.id.rawValue
        self.branch = session.branch.rawValue
        self.base = base
        self.method = method.rawValue
        self.old_base = oldBase
        self.new_tip = newTip
        self.commits = commits.map { Commit(sha: $0.sha, subject: $0.subject) }
        self.dry_run = dryRun
        self.conflict = conflict
    }

    init(session: Session, journal: LandingJournal, commits: [(sha: String, subject: String, isMerge: Bool)], dryRun: Bool, resumed: String?) {
        self.init(session: session, base: journal.base, method: journal.method, oldBase: journal.oldBase, newTip: journal.newTip, commits: commits, dryRun: dryRun)
        self.resumed = resumed
    }

    /// The text a person reads. Names from the repository pass through `displaySafe`.
    func text(verbose: Bool = true) -> [String] {
        var lines: [String] = []
        let count = commits.count == 1 ? "1 commit" : "\(commits.count) commits"
        if let resumed { lines.append("Session \(session): \(resumed).") }
        if let conflict {
            lines.append(displaySafe("Would not land session \(session): \(branch) conflicts with \(base) in \(conflict.joined(separator: ", "))."))
            return lines
        }
        let tip = new_tip.map { String($0.prefix(12)) } ?? "?"
        if let number = pull_request {
            lines.append(dry_run ? "Would merge pull request #\(number) of session \(session) through GitHub (\(method))."
                                 : "Merged pull request #\(number) of session \(session) through GitHub (\(method)) as \(tip); git fetch brings \(displaySafe(base)) along.")
        } else if dry_run {
            lines.append(displaySafe("Would land session \(session): \(count) of \(branch) onto \(base) (\(method)), moving \(base) from \(old_base.prefix(12)) to \(tip)."))
        } else {
            lines.append(displaySafe("Landed session \(session): \(commits.isEmpty ? "its work" : count) of \(branch) onto \(base) (\(method)); \(base) is now \(tip)\(reviewed ? ", tested by the command reviewer" : "")."))
        }
        if verbose {
            for commit in commits { lines.append(displaySafe("  \(commit.sha.prefix(12)) \(commit.subject)")) }
        }
        if let baseWorktree { lines.append(displaySafe("Updated the files of \(baseWorktree), which has \(base) checked out.")) }
        if let retirement {
            var parts: [String] = []
            if retirement.session_ended { parts.append("ended the session") }
            if retirement.worktree == "removed" { parts.append("removed its worktree") }
            if retirement.branch == "deleted" { parts.append("deleted branch \(branch)") }
            if !parts.isEmpty { lines.append(displaySafe(parts.joined(separator: ", ").prefix(1).uppercased() + parts.joined(separator: ", ").dropFirst() + ".")) }
            if let archive = retirement.archive { lines.append(displaySafe("Its original commits are kept as \(archive) (git log \(archive)).")) }
            if let why = retirement.worktree_kept_reason { lines.append(displaySafe("Kept its worktree and branch: \(why).")) }
            if !retirement.saved_refs.isEmpty { lines.append(WorktreeDisposal.savedSentence(retirement.saved_refs)) }
        } else if !dry_run && conflict == nil && warnings.isEmpty {
            lines.append(displaySafe("Kept session \(session)'s worktree and branch (--keep)."))
        }
        for warning in warnings { lines.append(displaySafe("warning: " + warning)) }
        return lines
    }
}

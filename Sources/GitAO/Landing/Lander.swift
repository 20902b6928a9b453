import Glibc
import Lifecycle
import Platform
import Store
import Worktree

/// What `git ao merge` was asked to do with one session.
struct LandingOptions {
    var method: MergeMethod
    var review = true
    var keep = false
    var dryRun = false
    var force = false
    var nudge = false
}

/// Lands one session's commits on its base branch, locally.
///
/// The order is what makes a kill at any point harmless: everything up to the base's move is
/// computed in memory or in a throw-away worktree (the new tip is held by `refs/ao/landing/<id>`
/// and the plan by a journal); the base moves in one compare-and-swap reference update; only
/// then are the base's files brought along and the session retired, each step one that a re-run
/// finishes (see `LandingRules.resume`).
struct Lander {
    let workspace: Workspace
    let store: StateStore

    static func landingRef(_ id: SessionID) -> String { "refs/ao/landing/\(id)" }
    static func journalPath(aoDirectory: String, _ id: SessionID) -> String { aoDirectory + "/run/merge-\(id).json" }

    /// One landing at a time in a repository: two at once on one base would each test their
    /// result on a base the other is about to move. The second waits, then lands on the first's result.
    static func lock(_ workspace: Workspace) throws -> FileLock {
        let directory = workspace.location.aoDirectory
        try makeDirectories(directory, mode: 0o755)
        let path = directory + "/merge.lock"
        guard let lock = try FileLock.acquire(path, wait: 600) else {
            throw Messages.mergeBusy(FileLock.owner(of: path).map(String.init) ?? "unknown")
        }
        lock.recordOwner()
        return lock
    }

    /// The local branch a session's base names: `main` for `main`, `refs/heads/main` or `origin/main`.
    static func baseBranch(of baseRef: String, repository: Repository) throws -> String {
        var name = baseRef
        if name.hasPrefix("refs/heads/") { name.removeFirst("refs/heads/".count) }
        if try repository.localBranchTip(name) != nil { return name }
        var remote = name
        if remote.hasPrefix("refs/remotes/") { remote.removeFirst("refs/remotes/".count) }
        for candidate in try repository.remoteNames() where remote.hasPrefix(candidate + "/") {
            let local = String(remote.dropFirst(candidate.count + 1))
            if try repository.localBranchTip(local) != nil { return local }
        }
        throw Messages.baseNotLocal(baseRef)
    }

    /// Lands `session`. The caller holds `Lander.lock`. Throws the typed refusals with nothing changed.
    func land(_ session: Session, options: LandingOptions) throws -> LandingReport {
        let repository = try workspace.repository()
        let base = try Lander.baseBranch(of: session.baseRef, repository: repository)
        let journalFile = Lander.journalPath(aoDirectory: workspace.location.aoDirectory, session.id)
        let journal = readFile(journalFile).flatMap { try? JSON.decode(LandingJournal.self, from: $0) }
        var resumed: String?
        switch LandingRules.resume(journal, baseNow: try repository.localBranchTip(base), sessionTipNow: try repository.localBranchTip(session.branch.rawValue)) {
        case .start: break
        case .finish(let journal):
            if options.dryRun { return LandingReport(session: session, journal: journal, commits: [], dryRun: true, resumed: "would finish an interrupted landing") }
            return try finish(journal, session: session, commits: [], resumed: "finished an interrupted landing")
        case .restart(let reason):
            resumed = "restarted: \(reason)"
            if !options.dryRun { forget(session.id, journalFile: journalFile, repository: repository) }
        }

        guard let oldBase = try repository.localBranchTip(base) else { throw Messages.baseNotLocal(base) }
        guard let tip = try repository.localBranchTip(session.branch.rawValue) else {
            // Landed by a run this one waited for (or earlier): said as such, not as a lost branch.
            if let landed = try workspace.storeCall({ try store.events(session: session.id) }).last(where: { $0.kind == "merged" }) {
                let tip = landed.data.flatMap { try? JSON.decode([String: String?].self, from: $0) }?["tip"].flatMap { $0 }
                throw AOError(.nothingToMerge, "session \(session.id) has already landed\(tip.map { " (its branch tip \($0.prefix(12)))" } ?? ""); nothing was changed.",
                              hint: "Its original commits are in refs/ao/archive/\(session.id): git log refs/ao/archive/\(session.id)")
            }
            throw AOError(.nothingToMerge, "session \(session.id)'s branch \(displaySafe(session.branch.rawValue)) no longer exists; nothing was changed.",
                          hint: "Bring it back (git ao restore \(session.id)) or end the session (git ao kill \(session.id)).")
        }
        let commits = try repository.commitsBetween(base: oldBase, tip: tip)
        var baseWorktree: (path: String, modified: Int)?
        if let holder = try repository.worktree(holding: base) {
            baseWorktree = (holder.path, try repository.changes(inWorktreeAt: holder.path).tracked)
        }
        let facts = LandingFacts(commitsAhead: commits.count, activity: session.activity, terminated: session.isTerminated,
                                 force: options.force, baseWorktree: baseWorktree)
        if let refusal = LandingRules.refusal(facts) { throw error(refusal, session: session, base: base) }

        let computed = try repository.computeLanding(base: oldBase, tip: tip, shape: shape(options.method, session: session, base: base, commits: commits))
        let newTip: String
        switch computed {
        case .conflict(let paths, let at):
            var nudged = false
            if options.nudge && !options.dryRun {
                nudged = try ConflictNudge(workspace: workspace, store: store).tell(session, head: tip, base: oldBase, baseRef: base, paths: paths)
            }
            if options.dryRun { return LandingReport(session: session, base: base, method: options.method, oldBase: oldBase, newTip: nil, commits: commits, dryRun: true, conflict: paths) }
            throw Messages.mergeConflict(session.id.rawValue, branch: session.branch.rawValue, base: base, paths: paths, at: at, nudged: nudged)
        case .landed(let landed, _):
            newTip = landed
        }
        // An untracked file in the way of the base's checkout would leave the base moved and its
        // files behind: refused now, as `git merge --ff-only` refuses it, with nothing changed.
        if let holder = baseWorktree {
            do {
                try repository.checkoutWorktree(at: holder.path, from: oldBase, to: newTip, dryRun: true)
            } catch {
                throw Messages.baseBlocked(base, worktree: holder.path, why: AOError.wrapping(error).message)
            }
        }
        if options.dryRun {
            var report = LandingReport(session: session, base: base, method: options.method, oldBase: oldBase, newTip: newTip, commits: commits, dryRun: true)
            report.resumed = resumed
            return report
        }

        // A configuration error must not pass for "no reviewer": the landing would go untested.
        let settings = options.review ? try ReviewSettings(config: workspace.config()) : nil
        // The database must take writes before anything moves: a read-only or corrupt one
        // found after the base moved would leave a landed session recorded as live.
        try workspace.storeCall {
            try store.recordEvent(SessionEvent(sessionID: session.id, at: Clock.now(), kind: "merge_started", revision: session.revision,
                                               data: JSON.object(["base": base, "from": oldBase, "to": newTip, "method": options.method.rawValue])))
        }
        // From here on a kill leaves a journal: the new tip is held by a ref so it outlives us.
        try repository.writeReference(Lander.landingRef(session.id), to: newTip, message: "git-ao merge: landing of session \(session.id)")
        var entry = LandingJournal(session: session.id.rawValue, base: base, oldBase: oldBase, newTip: newTip, sessionTip: tip,
                                   method: options.method, step: .computed, keep: options.keep)
        try writeJournal(entry, to: journalFile)

        var reviewed = false
        if let settings, settings.command != nil {
            let verdict = try LandingReviewer(workspace: workspace, settings: settings).review(tip: newTip, base: oldBase, session: session.id)
            if case .failed(let why, let lines) = verdict {
                forget(session.id, journalFile: journalFile, repository: repository)
                throw Messages.reviewFailed(session.id.rawValue, why: why, lastLines: lines,
                                            log: LandingReviewer.logPath(aoDirectory: workspace.location.aoDirectory, session: session.id))
            }
            reviewed = true
        }

        // The one write that lands: the base moves from exactly the commit we built on, or not at all.
        guard try repository.compareAndSwapReference("refs/heads/" + base, to: newTip, expecting: oldBase,
                                                     message: "git-ao merge: land session \(session.id) (\(options.method.rawValue))") else {
            forget(session.id, journalFile: journalFile, repository: repository)
            throw Messages.baseMoved(base)
        }
        entry.step = .baseMoved
        try? writeJournal(entry, to: journalFile)
        var report = try finish(entry, session: session, commits: commits, resumed: resumed)
        report.reviewed = reviewed
        return report
    }

    /// Everything after the base moved: the base's checked-out files, then the session's
    /// retirement, then the journal goes. Each step can be repeated.
    private func finish(_ journal: LandingJournal, session: Session, commits: [(sha: String, subject: String, isMerge: Bool)], resumed: String?) throws -> LandingReport {
        let repository = try workspace.repository()
        var report = LandingReport(session: session, journal: journal, commits: commits, dryRun: false, resumed: resumed)
        if let holder = try repository.worktree(holding: journal.base), try repository.localBranchTip(journal.base) == journal.newTip {
            do {
                try repository.checkoutWorktree(at: holder.path, from: journal.oldBase, to: journal.newTip)
                report.baseWorktree = holder.path
            } catch {
                // The base has landed; only its files lag. The journal stays, so a re-run brings them.
                report.warnings.append("the files of \(holder.path) could not be brought to \(journal.newTip.prefix(12)) (\(AOError.wrapping(error).message)); run git ao merge \(session.id) again once it is clean")
                return report
            }
        }
        if !journal.keep {
            let retired = SessionRetirement(workspace: workspace, store: store).retire(session, landedTip: journal.sessionTip)
            report.retirement = retired
        } else {
            _ = try? workspace.storeCall {
                try store.recordEvent(SessionEvent(sessionID: session.id, at: Clock.now(), kind: "merged", revision: session.revision,
                                                   data: JSON.object(["base": journal.base, "tip": journal.newTip, "method": journal.method.rawValue])))
            }
        }
        forget(session.id, journalFile: Lander.journalPath(aoDirectory: workspace.location.aoDirectory, session.id), repository: repository)
        return report
    }

    private func forget(_ id: SessionID, journalFile: String, repository: Repository) {
        unlink(journalFile)
        try? repository.deleteReference(Lander.landingRef(id))
    }

    private func writeJournal(_ journal: LandingJournal, to path: String) throws {
        try writeFileAtomically(path, Array(JSON.encode(journal, pretty: true).utf8))
    }

    private func shape(_ method: MergeMethod, session: Session, base: String, commits: [(sha: String, subject: String, isMerge: Bool)]) -> LandingShape {
        switch method {
        case .rebase: return .rebase
        case .squash:
            let list = commits.filter { !$0.isMerge }.map { "* " + $0.subject }.joined(separator: "\n")
            return .squash(message: "\(session.branch.rawValue) (git ao merge --squash, session \(session.id))\n\n\(list)\n")
        case .noFF: return .mergeCommit(message: "Merge branch '\(session.branch.rawValue)' into \(base) (git ao merge, session \(session.id))\n")
        }
    }

    private func error(_ refusal: LandingRefusal, session: Session, base: String) -> AOError {
        switch refusal {
        case .nothingToMerge: return Messages.nothingToMerge(session.id.rawValue, branch: session.branch.rawValue, base: base)
        case .sessionBusy: return Messages.sessionBusy(session.id.rawValue)
        case .baseDirty(let worktree, let modified): return Messages.baseDirty(base, worktree: worktree, modified: modified)
        case .conflict(let paths): return Messages.mergeConflict(session.id.rawValue, branch: session.branch.rawValue, base: base, paths: paths, at: nil, nudged: false)
        case .reviewFailed(let why): return Messages.reviewFailed(session.id.rawValue, why: why, lastLines: [], log: "")
        }
    }
}

import Agents
import ArgumentParser
import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// `git ao cleanup`: removes ended sessions' worktrees (and branches git-ao created) only when
/// no work can be lost.
struct CleanupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Remove ended sessions' worktrees and branches when no work can be lost.",
        discussion: """
            Ended sessions are considered, and live ones whose pull request was merged (their work \
            has landed: the agent is ended first, as by git ao kill), each only when its worktree has no uncommitted \
            changes and its branch tip is reachable from the branch's upstream or from the session's \
            base. When the branch is deleted and neither its upstream nor the base branch holds the tip, \
            the tip is first saved as refs/ao/archive/<id>, so 'git ao restore' (or \
            'git branch <name> refs/ao/archive/<id>') can bring it back. Branches that git-ao did not \
            create are kept. Every session skipped is listed with the reason. Without -y, cleanup asks \
            before deleting (and refuses when there is no terminal to ask on). Commits that only a \
            worktree holds (a detached HEAD's, or ones a reset or rebase left in its HEAD reflog) \
            are saved as refs/ao/archive/<id>-<n> before it is removed.

            A worktree is never removed while an agent may run in it: an ended session whose tmux \
            session still runs on its server has that tmux session ended first, and one whose tmux \
            server cannot be reached is skipped. Stray ao-* tmux sessions of this repository that \
            belong to no live session (see git ao doctor) are ended too, under the same \
            confirmation.

            A worktree is removed by moving it into .ao-trash beside it (in the worktree root) \
            first, then deleting it there. What a removal cut short (kill -9, a crash) left in \
            that folder is deleted too, without a question of its own (its removal was already \
            decided); entries git-ao did not put there are never touched. When nothing is left in the \
            worktree folder beside the repository (<repo>.ao), it is removed too.

            --discard <session>... lets go of the named ended sessions even when their branches hold \
            commits nothing else holds: each such tip is saved as refs/ao/archive/<id> first, and \
            'git branch <name> refs/ao/archive/<id>' brings it back. Only those sessions are \
            considered. A live session (SESSION_LIVE) or a worktree with uncommitted changes \
            (WORKTREE_DIRTY) refuses the whole command before anything is removed.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Flag(help: "Show what would be removed and what would be skipped, and change nothing.")
    var dryRun = false

    @Flag(name: .customShort("y"), help: "Do not ask for confirmation.")
    var yes = false

    @Flag(help: "Remove the named ended sessions even when their branches hold unmerged commits (saved under refs/ao/archive/ first).")
    var discard = false

    @Argument(help: ArgumentHelp("With --discard: the ended sessions to let go of (ids, id prefixes or names).", valueName: "session"))
    var named: [String] = []

    func validate() throws {
        if discard && named.isEmpty { throw ValidationError("--discard needs the sessions to let go of: git ao cleanup --discard <session>...") }
        if !discard, let first = named.first {
            throw ValidationError("Unexpected argument '\(first)': plain cleanup considers every ended session; to let go of named ones, use git ao cleanup --discard <session>...")
        }
    }

    static func archiveRef(for id: SessionID) -> String { "refs/ao/archive/\(id)" }

    struct Item {
        let session: Session
        var tip: String?
        /// Whether the tip is saved as refs/ao/archive/<id>: only when the branch goes and no
        /// ref that stays (its upstream, the base branch) holds the tip.
        var archive = false
        /// The ref that already holds the tip when no archive is needed.
        var heldBy: String?
        var removeWorktree: Bool
        var deleteBranch: Bool
        var keptBranchReason: String?
        var skipReason: String?
        /// Its tmux session still runs on its server: ended before anything is removed.
        var stray: StraySessions.Stray?
        var tmuxEnded = false
        /// Where commits only the worktree held were saved.
        var saved: [String] = []
        /// A live session whose pull request was merged: its agent is ended first (as by kill).
        var mergedPR: Int?
        /// Removed by --discard although its branch holds commits nothing else holds.
        var discarded = false
    }

    /// A live session whose work has landed: done after its pull request was merged.
    static func isMergedAndDone(_ session: Session) -> Bool {
        !session.isTerminated && session.state == .done && session.pr?.state == .merged
    }

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let all = try workspace.sessions()
        let repository = try workspace.repository()
        var candidates = all.filter { ($0.isTerminated || CleanupCommand.isMergedAndDone($0)) && $0.cleanedAt == nil }
        if discard {
            let chosen = try discardCandidates(named, all: all, repository: repository)
            candidates = chosen.sessions
            for id in chosen.alreadyCleaned where !output.json { Console.line("\(id): already cleaned") }
        }
        let worktrees = try repository.worktrees()
        // What runs in tmux on every server this repository's sessions were recorded on.
        let tmux = Tmux.locate()
        let survey = tmux.map { StraySessions.survey(all, tmux: $0, worktreeRoot: try? workspace.worktreeRoot()) } ?? StraySessions.Survey()
        var items = try candidates.map { session -> Item in
            let socket = RuntimeProbing.socket(of: session)
            if let unreachable = survey.unreachable.first(where: { $0.socket == socket }) {
                return Item(session: session, removeWorktree: false, deleteBranch: false,
                            skipReason: "its tmux server at \(socket) cannot be reached (\(unreachable.reason)); its agent may still run there")
            }
            var item = try evaluate(session, repository: repository, worktrees: worktrees, discarding: discard)
            item.stray = survey.strays.first { $0.session == session.id }
            if CleanupCommand.isMergedAndDone(session) { item.mergedPR = session.pr?.number }
            return item
        }
        // Strays of sessions cleaned earlier, or of no session at all: only their tmux session goes.
        let covered = Set(items.filter { $0.stray != nil && $0.skipReason == nil }.map(\.session.id))
        // --discard is about the named sessions only.
        let loose = discard ? [] : survey.strays.filter { stray in stray.session.map { !covered.contains($0) } ?? true }
        for stray in loose {
            let owner = stray.session.flatMap { id in all.first { $0.id == id } }
            items.append(Item(session: owner ?? CleanupCommand.placeholder(for: stray), removeWorktree: false, deleteBranch: false, stray: stray))
        }
        let actionable = items.filter { $0.skipReason == nil }
        // What removals cut short (kill -9 while deleting) left in the trash: already decided
        // and confirmed, so deleting it needs no confirmation of its own.
        let trashes = TrashFolders.of(all, worktreeRoot: try? workspace.worktreeRoot())
        let leftovers = TrashFolders.leftovers(trashes)

        if dryRun {
            report(items, trash: leftovers.map { Trash(path: $0, deleted: false) }, done: false)
            return
        }
        if !actionable.isEmpty && !yes && !output.json {
            guard Console.stdinIsTerminal else { throw Messages.confirmationRequired("cleanup") }
            report(items, trash: leftovers.map { Trash(path: $0, deleted: false) }, done: false)
            Console.out("Proceed? [y/N] ")
            Console.flush()
            let answer = String(decoding: readLine(strippingNewline: true).map { Array($0.utf8) } ?? [], as: UTF8.self).lowercased()
            guard answer == "y" || answer == "yes" else {
                Console.line("Nothing removed.")
                return
            }
        } else if !actionable.isEmpty && !yes && output.json {
            throw Messages.confirmationRequired("cleanup")
        }
        let store = try workspace.requireStore()
        let lock = try WorktreeDisposal.lock(workspace)
        defer { lock.release() }
        var results: [Item] = []
        for var item in items {
            if item.skipReason == nil { item = try execute(item, repository: repository, workspace: workspace, store: store, tmux: tmux) }
            results.append(item)
        }
        // Removals made above sweep the trash beside them too: whatever is gone was deleted.
        let swept = trashes.flatMap { $0.sweep() }
        var trash: [Trash] = []
        for path in leftovers + swept where !trash.contains(where: { $0.path == path }) {
            trash.append(Trash(path: path, deleted: !pathExists(path)))
        }
        report(results, trash: trash, done: true)
        removeEmptyWorktreeRoot(workspace)
    }

    /// The default worktree folder (<repo>.ao, beside the main worktree) once nothing is left in
    /// it but an empty trash: git-ao made it, so git-ao takes it away. rmdir removes only what is
    /// empty, so a file anyone put there keeps it; a folder set with ao.worktreeRoot is the
    /// user's and stays.
    private func removeEmptyWorktreeRoot(_ workspace: Workspace) {
        guard (try? workspace.config().nonEmpty(ConfigKeys.worktreeRoot)) == nil,
              let root = try? workspace.worktreeRoot() else { return }
        rmdir(root + "/" + WorktreeTrash.folderName)
        rmdir(root)
    }

    /// A leftover of a worktree removal that was cut short, in a trash folder.
    struct Trash {
        let path: String
        /// False in a dry run, and when it could not be deleted (a file it cannot remove).
        let deleted: Bool
    }

    private func pathExists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Archives the tip, then removes. Re-checks the worktree, which may have changed since the plan.
    private func execute(_ item: Item, repository: Repository, workspace: Workspace, store: StateStore, tmux: Tmux?) throws -> Item {
        var item = item
        let session = item.session
        // Restored since the plan was made: its agent runs in that worktree again.
        if !CleanupCommand.isPlaceholder(session), let now = try workspace.storeCall({ try store.session(session.id) }), !now.isTerminated,
           item.mergedPR == nil || !CleanupCommand.isMergedAndDone(now) {
            item.skipReason = item.mergedPR == nil ? "it was restored while cleanup ran" : "it is no longer done after its merge (it was given new work)"
            return item
        }
        // Another cleanup (this one waited for its lock) got there first.
        if !CleanupCommand.isPlaceholder(session), item.stray == nil,
           let now = try workspace.storeCall({ try store.session(session.id) }), now.cleanedAt != nil {
            item.skipReason = "another cleanup cleaned it meanwhile"
            return item
        }
        if item.mergedPR != nil, let tmux {
            // Its work has landed: the agent is ended as `git ao kill` ends it (recorded first,
            // then its tmux session; an agent that survives its tmux session keeps its worktree).
            let server = RuntimeProbing.server(of: session, tmux: tmux)
            _ = try workspace.storeCall { try store.apply(session.id, .killRequested, at: Clock.now(), eventData: EventData.of(["reason": "merged"])) }
            let agentPID = server.panePID(session.tmuxName)
            do {
                item.tmuxEnded = try server.killSession(session.tmuxName)
            } catch {
                item.skipReason = "its tmux session \(session.tmuxName) could not be ended: \(AOError.wrapping(error).message)"
                return item
            }
            if let survivor = agentPID.flatMap({ KillCommand.stillRunning($0, within: 3) }) {
                item.skipReason = "its agent (process \(survivor)) is still running after its tmux session ended; stop it, then run git ao cleanup again"
                return item
            }
        }
        if let stray = item.stray, let tmux {
            // The agent goes first; if it cannot be ended, nothing under it is removed.
            do {
                try tmux.on(socket: stray.socket).killSession(stray.tmuxName)
                item.tmuxEnded = true
            } catch {
                item.skipReason = "its tmux session \(stray.tmuxName) still runs on \(stray.socket) and could not be ended: \(AOError.wrapping(error).message)"
                return item
            }
            if CleanupCommand.isPlaceholder(session) || session.cleanedAt != nil { return item }
        }
        if let tip = item.tip, item.archive {
            try repository.writeReference(CleanupCommand.archiveRef(for: session.id), to: tip, message: "git-ao cleanup: archive session \(session.id)")
        }
        ReviewShutdown.sessionEnded(session, store: store, commonDir: workspace.location.commonDir)
        // Also when the directory is already gone: git's admin dir may still hold HEAD's reflog.
        if item.removeWorktree || !fileExists(session.worktreePath) {
            let agent = try? AgentCatalog(config: workspace.config()).definition(session.agent)
            let disposed: WorktreeDisposal.Disposal
            do {
                try ConversationFiles.save(session, agent: agent, aoDirectory: workspace.location.aoDirectory)
                disposed = WorktreeDisposal.dispose(session.worktreePath, repository: repository, session: session.id,
                                                    leaving: item.deleteBranch ? [session.branch.rawValue] : [])
            } catch {
                disposed = WorktreeDisposal.Disposal(outcome: .kept("could not have the agent's conversation saved first (\(AOError.wrapping(error).message))"), saved: [])
            }
            item.saved = disposed.saved
            if case .kept(let why) = disposed.outcome {
                item.skipReason = "its worktree \(why)"
                item.removeWorktree = false
                item.deleteBranch = false
                return item
            }
        }
        if item.deleteBranch { try repository.deleteBranch(session.branch.rawValue) }
        unlink(workspace.location.aoDirectory + "/prompts/\(session.id).txt")
        _ = try workspace.storeCall {
            try store.update(session.id, at: Clock.now(), event: "cleaned", data: JSON.object([
                "archive": item.archive ? CleanupCommand.archiveRef(for: session.id) : nil,
                "tip": item.tip,
                "worktree_removed": item.removeWorktree ? "yes" : "no",
                "branch_deleted": item.deleteBranch ? "yes" : "no",
                "saved": item.saved.isEmpty ? nil : item.saved.joined(separator: " "),
            ])) { $0.cleanedAt = Clock.now() }
        }
        return item
    }

    /// A stand-in row for a stray tmux session that belongs to no session of the database.
    static func placeholder(for stray: StraySessions.Stray) -> Session {
        Session(id: SessionID(stray.tmuxName), branch: BranchName(""), branchCreated: false, baseRef: "", baseSHA: CommitSHA(""),
                worktreePath: stray.directory, agent: "", tmuxName: stray.tmuxName, tmuxSocket: stray.socket,
                createdAt: Timestamp(milliseconds: 0), state: .terminated, terminalReason: .killed, cleanedAt: Timestamp(milliseconds: 0))
    }

    static func isPlaceholder(_ session: Session) -> Bool { session.branch.rawValue.isEmpty && session.agent.isEmpty }
}

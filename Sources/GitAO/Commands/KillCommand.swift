import Agents
import ArgumentParser
import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// `git ao kill <id>`: ends the agent, keeps any work.
struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "End a session: stop its tmux session, and remove its worktree if it is clean.",
        discussion: """
            Ends the agent's tmux session on the tmux server the session was started on (whatever \
            TMUX or TMUX_TMPDIR say here), then marks the session terminated (reason: killed). When \
            that server cannot be reached, kill changes nothing and fails with RUNTIME_UNREACHABLE: \
            the agent may still be running, so its worktree is never removed under it. A worktree \
            with uncommitted changes is kept, and the command says so; the branch is always kept. \
            Commits that only the worktree holds (made on a detached HEAD, or left behind by a reset \
            or a rebase, and named by its HEAD reflog) are saved as refs/ao/archive/<id>-<n> before \
            it is removed, and the command lists them. Killing a session that is still being spawned \
            stops that spawn, which removes what it created. Killing an ended session again is not \
            an error: it finishes whatever the first kill left (a tmux session still running, a \
            clean worktree still present). Several kills of one session at once are taken one after \
            the other.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @OptionGroup var target: SessionArgument

    func run() throws {
        try global.apply()
        let (workspace, found) = try target.resolve()
        let store = try workspace.requireStore()
        let tmux = try Tmux.require()
        // One kill (or cleanup) of this repository's worktrees at a time: a second kill of the
        // same session then finds it ended and its worktree gone, and says exactly that.
        let lock = try WorktreeDisposal.lock(workspace)
        defer { lock.release() }
        guard let session = try workspace.storeCall({ try store.session(found.id) }) else {
            Console.line("Session \(found.id) no longer exists: its spawn was undone.")
            return
        }
        if SpawnStopper.isSpawning(session) {
            lock.release()
            switch try SpawnStopper.stop(session, workspace: workspace, store: store, tmux: tmux) {
            case .undone(let text):
                report(session, text: text, json: ["spawn": "stopped"])
                return
            case .completed(let now):
                let relock = try WorktreeDisposal.lock(workspace)
                defer { relock.release() }
                try kill(now, workspace: workspace, store: store, tmux: tmux)
                return
            }
        }
        try kill(session, workspace: workspace, store: store, tmux: tmux)
    }

    private func kill(_ session: Session, workspace: Workspace, store: StateStore, tmux: Tmux) throws {
        let alreadyEnded = session.isTerminated
        // The agent's own server must answer first: when it cannot be asked, this fails with
        // RUNTIME_UNREACHABLE before anything is recorded or removed, since the agent may still run.
        let server = RuntimeProbing.server(of: session, tmux: tmux)
        if case .failed(let reason) = server.listSessions() { throw Messages.serverUnreachable(server.socketPath, reason) }
        // Then the record (if the database cannot be written, nothing has been touched yet), then
        // the agent. Should the server stop answering in between, the worktree stays.
        let updated = try workspace.storeCall {
            try store.apply(session.id, .killRequested, at: Clock.now(), eventData: EventData.of([:])).session
        } ?? session
        let agentPID = server.panePID(session.tmuxName)
        let wasRunning = try server.killSession(session.tmuxName)
        // Ending tmux sends the agent SIGHUP; one that ignores it still runs in the worktree.
        let survivor = agentPID.flatMap { KillCommand.stillRunning($0, within: 3) }
        ReviewShutdown.sessionEnded(session, store: store, commonDir: workspace.location.commonDir)
        let repository = try workspace.repository()
        let disposed: WorktreeDisposal.Disposal
        if let survivor {
            disposed = .init(outcome: .kept("its agent (process \(survivor)) is still running after its tmux session ended; stop it, then run git ao kill \(session.id) again"))
        } else if session.tmuxSocket == nil && !wasRunning && fileExists(session.worktreePath) {
            // A session from before servers were recorded, not found on this shell's server: its
            // agent may run on another one, so its worktree is not removed from under it.
            disposed = .init(outcome: .kept("its tmux server was never recorded and the one this shell uses (\(server.socketPath)) has no session \(session.tmuxName), "
                                            + "so its agent may still run on another server; end it there, then run git ao kill \(session.id) again"))
        } else {
            // The agent has ended: its conversation is saved, then the commits only the worktree
            // holds, and only then is the worktree removed.
            let agent = try? AgentCatalog(config: workspace.config()).definition(session.agent)
            do {
                try ConversationFiles.save(session, agent: agent, aoDirectory: workspace.location.aoDirectory)
                disposed = WorktreeDisposal.dispose(session.worktreePath, repository: repository, session: session.id)
            } catch {
                disposed = .init(outcome: .kept("the agent's conversation could not be saved first (\(AOError.wrapping(error).message))"))
            }
        }
        let disposal = disposed.outcome
        if !disposed.saved.isEmpty {
            _ = try? workspace.storeCall {
                try store.recordEvent(SessionEvent(sessionID: session.id, at: Clock.now(), kind: "commits_saved", revision: updated.revision,
                                                   data: JSON.object(["refs": disposed.saved.joined(separator: " ")])))
            }
        }
        let branch = BranchFate.of(updated, repository: repository)

        if output.json {
            struct Payload: Encodable {
                let session: String
                let already_terminated: Bool
                let tmux_session_ended: Bool
                let worktree: String
                let worktree_kept_reason: String?
                let branch: String
                let saved_refs: [String]
            }
            var kept: String?
            if case .kept(let why) = disposal { kept = why }
            Console.out(JSON.encode(Payload(session: updated.id.rawValue, already_terminated: alreadyEnded, tmux_session_ended: wasRunning,
                                            worktree: disposal == .removed ? "removed" : (kept == nil ? "absent" : "kept"),
                                            worktree_kept_reason: kept, branch: branch.state, saved_refs: disposed.saved), pretty: true) + "\n")
            return
        }
        if alreadyEnded {
            Console.line("Session \(session.id) was already terminated (\(session.terminalReason?.rawValue ?? "unknown")).")
            if wasRunning { Console.line("Ended its tmux session \(session.tmuxName), which was still running on \(server.socketPath).") }
        } else if let survivor {
            Console.line("Session \(session.id) is marked killed and its tmux session ended, but its agent (process \(survivor)) is still running.")
        } else {
            Console.line("Killed session \(session.id)\(wasRunning ? "" : " (its tmux session had already ended)").")
        }
        switch disposal {
        case .removed: Console.line("Removed its worktree \(displaySafe(session.worktreePath)).")
        case .alreadyGone: if alreadyEnded && !global.quiet { Console.line("Its worktree \(displaySafe(session.worktreePath)) is already gone.") }
        case .kept(let why): Console.line(displaySafe("Kept its worktree \(session.worktreePath): \(why)."))
        }
        if !disposed.saved.isEmpty { Console.line(WorktreeDisposal.savedSentence(disposed.saved)) }
        if !global.quiet { Console.line(displaySafe(branch.sentence(for: updated))) }
    }

    /// `pid` if it has not exited within `seconds`, else nil.
    static func stillRunning(_ pid: Int32, within seconds: Double) -> Int32? {
        let deadline = Clock.monotonicSeconds() + seconds
        while Clock.monotonicSeconds() < deadline {
            if Subprocess.isGone(pid) { return nil }
            // A zombie has exited; only its parent has not collected it yet.
            if let stat = readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")"),
               stat[stat.index(after: close)...].trimmingSpaces.hasPrefix("Z") { return nil }
            Clock.sleep(0.02)
        }
        return pid
    }

    private func report(_ session: Session, text: String, json: [String: String]) {
        if output.json {
            struct Payload: Encodable { let session: String; let spawn: String; let detail: String }
            Console.out(JSON.encode(Payload(session: session.id.rawValue, spawn: json["spawn"] ?? "", detail: text), pretty: true) + "\n")
        } else {
            Console.line(displaySafe(text))
        }
    }
}

/// What became of a session's branch, told truthfully after kill or cleanup.
struct BranchFate {
    /// "kept", "deleted_archived" or "gone".
    let state: String
    let archive: String?

    static func of(_ session: Session, repository: Repository) -> BranchFate {
        if (try? repository.localBranchTip(session.branch.rawValue)) ?? nil != nil { return BranchFate(state: "kept", archive: nil) }
        let archive = CleanupCommand.archiveRef(for: session.id)
        if (try? repository.referenceTarget(archive)) ?? nil != nil { return BranchFate(state: "deleted_archived", archive: archive) }
        return BranchFate(state: "gone", archive: nil)
    }

    func sentence(for session: Session) -> String {
        switch state {
        case "kept":
            return "Branch \(session.branch) is kept; 'git ao restore \(session.id)' resumes the session, 'git ao cleanup' removes what is safe to remove."
        case "deleted_archived":
            return "Branch \(session.branch) was already deleted by cleanup; its tip is saved as \(archive ?? ""), and 'git ao restore \(session.id)' brings it back."
        default:
            // Cleanup archives a tip only when no branch that stays holds it; the tip it deleted
            // is recorded in its `cleaned` event, and restore rebuilds the branch from there.
            if session.cleanedAt != nil {
                return "Branch \(session.branch) was already deleted by cleanup (its tip is on a branch that stays); 'git ao restore \(session.id)' brings it back."
            }
            return "Branch \(session.branch) no longer exists."
        }
    }
}

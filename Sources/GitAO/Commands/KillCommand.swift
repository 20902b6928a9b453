import Agents
import ArgumentParser
import Lifecycle
import Platform
import TmuxRuntime

/// `git ao kill <id>`: ends the agent, keeps any work.
struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "End a session: stop its tmux session, and remove its worktree if it is clean.",
        discussion: """
            Marks the session terminated (reason: killed). A worktree with uncommitted changes is \
            kept, and the command says so; the branch is always kept. Commits that only the \
            worktree holds (made on a detached HEAD, or left behind by a reset or a rebase, and \
            named by its HEAD reflog) are saved as refs/ao/archive/<id>-<n> before it is removed, \
            and the command lists them. Killing an ended session again \
            is not an error: it finishes whatever the first kill left (a tmux session still running, \
            a clean worktree still present).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @OptionGroup var target: SessionArgument

    func run() throws {
        try global.apply()
        let (workspace, session) = try target.resolve()
        let store = try workspace.requireStore()
        let tmux = try Tmux.require()
        let alreadyEnded = session.isTerminated
        // Record first: if the database cannot be written, nothing has been touched yet. If
        // tmux then fails, killing again finishes the job.
        let updated = try workspace.storeCall {
            try store.apply(session.id, .killRequested, at: Clock.now(), eventData: EventData.of([:])).session
        } ?? session
        let wasRunning = try tmux.killSession(session.tmuxName)
        ReviewShutdown.sessionEnded(session, store: store, commonDir: workspace.location.commonDir)
        let repository = try workspace.repository()
        let agent = try? AgentCatalog(config: workspace.config()).definition(session.agent)
        let disposed: WorktreeDisposal.Disposal
        do {
            try ConversationFiles.save(session, agent: agent, aoDirectory: workspace.location.aoDirectory)
            disposed = WorktreeDisposal.dispose(session.worktreePath, repository: repository, session: session.id)
        } catch {
            disposed = WorktreeDisposal.Disposal(outcome: .kept("the agent's conversation could not be saved first (\(AOError.wrapping(error).message))"), saved: [])
        }
        let disposal = disposed.outcome
        if !disposed.saved.isEmpty {
            _ = try? workspace.storeCall {
                try store.recordEvent(SessionEvent(sessionID: session.id, at: Clock.now(), kind: "commits_saved", revision: updated.revision,
                                                   data: JSON.object(["refs": disposed.saved.joined(separator: " ")])))
            }
        }

        if output.json {
            struct Payload: Encodable {
                let session: String
                let already_terminated: Bool
                let tmux_session_ended: Bool
                let worktree: String
                let worktree_kept_reason: String?
                let saved_refs: [String]
            }
            var kept: String?
            if case .kept(let why) = disposal { kept = why }
            Console.out(JSON.encode(Payload(session: updated.id.rawValue, already_terminated: alreadyEnded, tmux_session_ended: wasRunning,
                                            worktree: disposal == .removed ? "removed" : (kept == nil ? "absent" : "kept"),
                                            worktree_kept_reason: kept, saved_refs: disposed.saved), pretty: true) + "\n")
            return
        }
        if alreadyEnded {
            Console.line("Session \(session.id) was already terminated (\(session.terminalReason?.rawValue ?? "unknown")).")
        } else {
            Console.line("Killed session \(session.id).")
        }
        switch disposal {
        case .removed: Console.line("Removed its worktree \(displaySafe(session.worktreePath)).")
        case .alreadyGone: break
        case .kept(let why): Console.line(displaySafe("Kept its worktree \(session.worktreePath): \(why)."))
        }
        if !disposed.saved.isEmpty { Console.line(WorktreeDisposal.savedSentence(disposed.saved)) }
        if !global.quiet {
            Console.line("Branch \(displaySafe(session.branch.rawValue)) is kept; 'git ao restore \(session.id)' resumes the session, 'git ao cleanup' removes what is safe to remove.")
        }
    }
}

import Agents
import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// Ends a session whose work has landed, as cleanup ends one whose pull request merged: the
/// branch's tip archived first (`refs/ao/archive/<id>`: a rebase or squash leaves the original
/// commits on no branch), then the agent ended, then the worktree removed (with what only it
/// held saved), then the branch deleted. What cannot be done safely is kept and said.
struct SessionRetirement {
    let workspace: Workspace
    let store: StateStore

    struct Outcome: Equatable, Encodable {
        var archive: String?
        var session_ended = false
        var worktree = "kept"
        var worktree_kept_reason: String?
        var branch = "kept"
        var saved_refs: [String] = []
    }

    func retire(_ session: Session, landedTip: String) -> Outcome {
        var outcome = Outcome()
        guard let repository = try? workspace.repository() else { return outcome }
        let branchTip = (try? repository.localBranchTip(session.branch.rawValue)) ?? nil
        let archive = CleanupCommand.archiveRef(for: session.id)
        if let branchTip {
            do {
                try repository.writeReference(archive, to: branchTip, message: "git-ao merge: archive session \(session.id) after landing")
                outcome.archive = archive
            } catch {
                outcome.worktree_kept_reason = "its branch tip could not be archived first (\(AOError.wrapping(error).message))"
                return outcome
            }
        }
        let current = ((try? workspace.storeCall { try store.session(session.id) }) ?? nil) ?? session
        if !current.isTerminated {
            _ = try? workspace.storeCall { try store.apply(session.id, .killRequested, at: Clock.now(), eventData: EventData.of(["reason": "merged"])) }
        }
        var agentSurvives: Int32?
        if let tmux = try? Tmux.require() {
            let server = RuntimeProbing.server(of: session, tmux: tmux)
            let agentPID = server.panePID(session.tmuxName)
            _ = try? server.killSession(session.tmuxName)
            agentSurvives = agentPID.flatMap { KillCommand.stillRunning($0, within: 3) }
        }
        outcome.session_ended = true
        ReviewShutdown.sessionEnded(session, store: store, commonDir: workspace.location.commonDir)
        if let survivor = agentSurvives {
            outcome.worktree_kept_reason = "its agent (process \(survivor)) still runs after its tmux session ended"
        } else {
            let agent = try? AgentCatalog(config: workspace.config()).definition(session.agent)
            _ = try? ConversationFiles.save(session, agent: agent, aoDirectory: workspace.location.aoDirectory)
            // The branch is about to go and its tip is archived: its commits do not count as kept elsewhere.
            let disposed = WorktreeDisposal.dispose(session.worktreePath, repository: repository, session: session.id, leaving: [session.branch.rawValue])
            outcome.saved_refs = disposed.saved
            switch disposed.outcome {
            case .removed: outcome.worktree = "removed"
            case .alreadyGone: outcome.worktree = "absent"
            case .kept(let why): outcome.worktree_kept_reason = why
            }
        }
        // The branch goes only if it still is what landed (an agent that committed after the
        // landing computed keeps its branch), and only once its worktree is gone.
        if outcome.worktree != "kept", branchTip == landedTip {
            if (try? repository.deleteBranch(session.branch.rawValue)) != nil { outcome.branch = "deleted" }
        }
        _ = try? workspace.storeCall {
            try store.update(session.id, at: Clock.now(), event: "merged", data: JSON.object([
                "archive": outcome.archive, "tip": landedTip, "worktree": outcome.worktree, "branch": outcome.branch,
                "saved": outcome.saved_refs.isEmpty ? nil : outcome.saved_refs.joined(separator: " "),
            ])) { if outcome.worktree != "kept" { $0.cleanedAt = Clock.now() } }
        }
        return outcome
    }
}

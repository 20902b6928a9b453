import Agents
import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// A spawn whose process died (kill -9, a crash, a closed terminal) before it completed: the
/// pass that finds it undoes what it started, as the spawn's own journal would have, except
/// that the row stays (terminated, spawn_failed) so the user can see what happened.
enum AbandonedSpawn {
    /// How long a spawn may run before its process is checked: a spawn seeds its row first.
    static let grace = TimeSpan.seconds(5)

    /// Seeded, not completed, older than the grace period, and its spawning process is gone.
    static func isAbandoned(_ session: Session, store: StateStore, now: Timestamp = Clock.now()) -> Bool {
        guard session.state == .notStarted && session.runtime == .unknown && !session.isTerminated else { return false }
        if now - session.createdAt < grace { return false }
        guard let pid = (try? store.spawnPID(of: session.id)) ?? nil, pid > 0 else { return true }
        // A recycled process id that is no git-ao does not keep a dead spawn alive.
        return !SpawnStopper.isGitAO(pid)
    }

    struct Outcome {
        var done: [String] = []
        var kept: [String] = []
        var complete: Bool { kept.isEmpty }
        var summary: String { (done + kept).joined(separator: "; ") }
    }

    /// Ends the tmux session on its recorded server, removes the worktree when it is clean (and
    /// only once no agent can be running in it), deletes the branch spawn created when it has no
    /// new commits, and marks the session cleaned when nothing is left. Never throws: what it
    /// could not undo is reported and left for `git ao kill` / `git ao cleanup`.
    static func undo(_ session: Session, workspace: Workspace, store: StateStore, tmux: Tmux?) -> Outcome {
        var outcome = Outcome()
        let lock = try? WorktreeDisposal.lock(workspace)
        defer { lock?.release() }
        // 0. A setup step the spawn was running, in its own process group (kill of a spawn
        // whose process is gone comes here without a pass).
        SetupStep.endAbandoned(session.id, aoDirectory: workspace.location.aoDirectory)
        // 1. The agent, on its own server.
        var agentGone = false
        if let tmux {
            let server = RuntimeProbing.server(of: session, tmux: tmux)
            switch server.listSessions() {
            case .listed(let running):
                if let path = running[session.tmuxName], path.isEmpty || samePath(path, session.worktreePath) {
                    do {
                        try server.killSession(session.tmuxName)
                        outcome.done.append("ended tmux session \(session.tmuxName)")
                        agentGone = true
                    } catch {
                        outcome.kept.append("could not end tmux session \(session.tmuxName): \(AOError.wrapping(error).message)")
                    }
                } else {
                    agentGone = true
                }
            case .noServer:
                agentGone = true
            case .failed(let reason):
                outcome.kept.append("kept the worktree: the tmux server at \(server.socketPath) cannot be reached (\(reason)), so the agent may still run")
            }
        } else {
            // No tmux at all: nothing of ours can be running in it.
            agentGone = true
        }

        // 2. The worktree, then the branch.
        var worktreeGone = false
        if agentGone, let repository = try? workspace.repository() {
            // As kill does: the conversation, then the commits only the worktree holds, are
            // saved before it goes.
            let agent = try? AgentCatalog(config: workspace.config()).definition(session.agent)
            let disposed: WorktreeDisposal.Disposal
            do {
                try ConversationFiles.save(session, agent: agent, aoDirectory: workspace.location.aoDirectory)
                disposed = WorktreeDisposal.dispose(session.worktreePath, repository: repository, session: session.id)
            } catch {
                disposed = .init(outcome: .kept("the agent's conversation could not be saved first (\(AOError.wrapping(error).message))"))
            }
            if !disposed.saved.isEmpty { outcome.done.append("saved commits no branch held as \(disposed.saved.joined(separator: ", "))") }
            switch disposed.outcome {
            case .removed:
                outcome.done.append("removed worktree \(session.worktreePath)")
                worktreeGone = true
            case .alreadyGone:
                worktreeGone = true
            case .kept(let why):
                // Killed inside libgit2's add: a half-made checkout no agent ever ran in (its
                // tmux session is gone), removed as the add itself removes one that fails.
                if (try? repository.removeIncompleteWorktree(at: session.worktreePath)) == true {
                    outcome.done.append("removed the incomplete worktree \(session.worktreePath)")
                    worktreeGone = true
                } else {
                    outcome.kept.append("kept worktree \(session.worktreePath): \(why)")
                }
            }
            // A spawn killed inside libgit2's add leaves git's bookkeeping half-made.
            for entry in repository.pruneAbandonedAdminEntries(for: session.worktreePath) {
                outcome.done.append("removed the half-made .git/worktrees/\(entry)")
            }
            if worktreeGone && session.branchCreated {
                outcome = deleteBranchIfUntouched(session, repository: repository, outcome)
            }
        }
        unlink(workspace.location.aoDirectory + "/prompts/\(session.id).txt")

        let data = JSON.object(["undone": outcome.done.joined(separator: "; "), "kept": outcome.kept.isEmpty ? nil : outcome.kept.joined(separator: "; ")])
        _ = try? store.update(session.id, at: Clock.now(), event: "spawn_undone", data: data) {
            if outcome.complete && worktreeGone { $0.cleanedAt = Clock.now() }
        }
        if outcome.done.isEmpty && outcome.kept.isEmpty { outcome.done.append("nothing was left to undo") }
        return outcome
    }

    /// The branch spawn created goes when it gained no commits: its tip is on the base or on
    /// its upstream, and no worktree has it checked out.
    private static func deleteBranchIfUntouched(_ session: Session, repository: Repository, _ outcome: Outcome) -> Outcome {
        var outcome = outcome
        let branch = session.branch.rawValue
        do {
            guard let tip = try repository.localBranchTip(branch) else { return outcome }
            let upstream = try repository.upstreamReference(of: branch).flatMap { try repository.referenceTarget($0) }
            let untouched = try tip == session.baseSHA.rawValue || repository.isAncestor(tip, of: session.baseSHA.rawValue)
                || (upstream.map { try repository.isAncestor(tip, of: $0) } ?? false)
            if !untouched {
                outcome.kept.append("kept branch \(branch): it has new commits")
            } else if let holder = try repository.worktree(holding: branch) {
                outcome.kept.append("kept branch \(branch): it is checked out in \(holder.path)")
            } else {
                try repository.deleteBranch(branch)
                outcome.done.append("deleted branch \(branch)")
            }
        } catch {
            outcome.kept.append("kept branch \(branch): \(AOError.wrapping(error).message)")
        }
        return outcome
    }
}

import Forge
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// The one composition of a spawn, shared by `git ao spawn`, `spawn --pr`, `spawn --issue` and
/// intake: a fresh id, the planner's checks, the journal of undo steps (`Spawner`), and the
/// links a session starts with (its pull request, its issue).
struct SpawnComposition {
    let workspace: Workspace
    let repository: Repository
    let config: GitConfig
    let store: StateStore

    struct Spawned {
        let session: Session
        let plan: SpawnPlan
    }

    func spawn(_ request: SpawnRequest, issue: String? = nil, linked: PullRequestFacts? = nil, output: PreparationOutput) throws -> Spawned {
        var request = request
        // Spawned from inside a live session's worktree: that session's branch is what the
        // user is standing on, so it is the default base (and spawn says so).
        if request.base == nil, let here = repository.workdir,
           let host = try workspace.sessions().first(where: { !$0.isTerminated && !$0.worktreePath.isEmpty && samePath($0.worktreePath, here) }) {
            request.insideSession = (host.id, host.branch)
        }
        // The new id must be free in this repository and on the server the session will run on.
        let tmuxSessions = Tmux.locate().map { tmux -> Set<String> in
            if case .listed(let names) = tmux.on(socket: Tmux.socketForNewSession()).listSessions() { return Set(names.keys) }
            return []
        } ?? []
        // Nor may it equal a session's name (the name would stop working as a handle).
        let names = Set(try workspace.sessions().compactMap(\.name))
        let id = try workspace.storeCall { try SpawnCommand.newSessionID(store: store, avoiding: tmuxSessions, names: names) }
        let planner = SpawnPlanner(repository: repository, config: config, worktreeRoot: try workspace.worktreeRoot())
        var plan: SpawnPlan
        do {
            plan = try planner.plan(request, id: id)
        } catch let error as AOError where error.code == .interrupted {
            throw error
        } catch {
            // Another spawn of this issue (a second `spawn --issue`, or intake) that won while
            // this one was on its way here has made the issue's branch and worktree, which the
            // planner reports as a branch conflict. The real reason is the issue's live session.
            // (Once this spawn's row is seeded the issue is its own, so only planning can lose.)
            if let issue, let other = try? workspace.storeCall({ try store.liveSession(forIssue: issue) }), other != id {
                throw Messages.issueHasLiveSession(issue, session: other.rawValue)
            }
            throw error
        }
        plan.issue = issue
        if let name = request.name, let other = try workspace.sessions().first(where: { $0.name == name && !$0.isTerminated }) {
            throw Messages.nameInUse(name, session: other.id.rawValue)
        }
        if let issue, let other = try workspace.storeCall({ try store.liveSession(forIssue: issue) }) {
            throw Messages.issueHasLiveSession(issue, session: other.rawValue)
        }
        let provisioner = Provisioner(workspace: workspace, repository: repository, store: store, tmux: plan.tmux)
        var session = try Spawner(provisioner: provisioner, config: config, plan: plan, output: output).run()
        if let linked {
            // Linked from the start: the first pass knows the PR (and reads it in full).
            let now = Clock.now()
            try workspace.storeCall {
                try store.replacePullRequestFacts([linked.number: linked.encoded()], for: session.id, at: now)
                session = try store.apply(session.id, .scm(linked.status), at: now, eventData: EventData.of(["pr": String(linked.number)])).session ?? session
            }
        }
        return Spawned(session: session, plan: plan)
    }
}

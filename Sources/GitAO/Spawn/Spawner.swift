import Agents
import Glibc
import Lifecycle
import Platform
import Store
import Worktree

/// Runs a checked spawn plan as one all-or-nothing operation.
///
/// Steps, in order: seed the session row (reserving its port), create the branch and the
/// worktree, copy the included ignored files, run the setup step, start the agent in tmux,
/// deliver a pasted prompt, mark the session spawned. If a step fails (or the user presses
/// Ctrl-C) everything created so far is undone, so `git worktree list`, `git branch`, tmux and
/// `git ao status --all` are exactly as they were before.
struct Spawner {
    let provisioner: Provisioner
    let config: GitConfig
    let plan: SpawnPlan
    let output: PreparationOutput

    func run() throws -> Session {
        var steps = StepRunner(operation: "spawn of session \(plan.id)")
        do {
            var seed = seedSession()
            seed.port = try steps.run("recording the session") { try seedRow(seed) }
            if let port = seed.port { output.note("port \(port) (AO_PORT)") }
            try steps.run("creating the branch") {
                switch plan.branchSource {
                case .existing: break
                case .remote(let upstream, let tip): try provisioner.createBranch(plan.branch.rawValue, at: tip.rawValue, upstream: upstream)
                case .fromBase: try provisioner.createBranch(plan.branch.rawValue, at: plan.baseSHA.rawValue)
                }
            }
            try steps.run("creating the worktree") {
                try provisioner.createWorktree(name: plan.worktreeName, path: plan.worktreePath, branch: plan.branch.rawValue, session: plan.id)
            }
            try PreparationSteps(provisioner: provisioner, preparation: plan.preparation, output: output)
                .run(&steps, session: seed, runSetup: true)
            try steps.run("installing the agent's hooks") { try provisioner.installAgentHooks(plan.agent, worktree: plan.worktreePath) }
            let promptFile = try steps.run("writing the prompt file") {
                plan.agent.wantsPromptFile ? try provisioner.writePromptFile(plan.prompt, for: plan.id) : nil
            }
            try steps.run("starting the agent in tmux") {
                let context = AgentDefinition.Context(prompt: plan.prompt, promptFile: promptFile, session: plan.id.rawValue, agentSession: plan.agentSession)
                var argv = plan.agent.launchArgv(context)
                argv[0] = plan.agentProgramPath
                try provisioner.launchAgent(seed, argv: argv)
            }
            try steps.run("delivering the prompt") {
                if let prompt = plan.prompt, plan.agent.promptDelivery(hasPrompt: !prompt.isEmpty) == .paste {
                    try provisioner.pastePrompt(prompt, agent: plan.agent, session: seed, config: config)
                }
            }
            try steps.run("confirming the agent runs") { try provisioner.finishLaunch() }
            return try steps.run("marking the session spawned") { try markSpawned() }
        } catch {
            let cause = provisioner.agentExit(instead: error)
            let created = provisioner.createdAnything
            let report = provisioner.rollback()
            throw Provisioner.failure(cause, operation: "spawn of session \(plan.id)", step: steps.current, rollback: report, createdAnything: created)
        }
    }

    private func seedSession() -> Session {
        let created: Bool
        if case .existing = plan.branchSource { created = false } else { created = true }
        return Session(id: plan.id, name: plan.name, branch: plan.branch, branchCreated: created,
                       baseRef: plan.baseRef, baseSHA: plan.baseSHA, worktreePath: plan.worktreePath,
                       agent: plan.agent.name, prompt: plan.prompt, tmuxName: plan.tmuxName, tmuxSocket: plan.tmux.socket,
                       agentSessionID: plan.agentSession, createdAt: Clock.now(), state: .notStarted)
    }

    /// Writes the seed row; returns the port reserved for the session, if any.
    private func seedRow(_ seed: Session) throws -> Int? {
        let store = provisioner.store
        let port: Int?
        do {
            port = try store.insertSeed(seed, spawnPID: getpid(), data: JSON.object(["branch": plan.branch.rawValue, "agent": plan.agent.name, "base": plan.baseRef]),
                                        port: plan.preparation.portRequest, issue: plan.issue)
        } catch let conflict as SeedConflict {
            switch conflict {
            case .idTaken:
                throw Messages.sessionIDTaken(plan.id.rawValue)
            case .nameTaken(let other):
                throw Messages.nameInUse(plan.name ?? "", session: other.rawValue)
            case .issueTaken(let other):
                throw Messages.issueHasLiveSession(plan.issue ?? "", session: other.rawValue)
            case .branchTaken(let other):
                let path = (try? store.session(other))??.worktreePath ?? "?"
                throw Messages.branchInUseBySession(plan.branch.rawValue, session: other.rawValue, path: path)
            case .noFreePort:
                throw Messages.portRangeExhausted(plan.preparation.portRange ?? 0...0)
            }
        }
        provisioner.recordRow(plan.id)
        return port
    }

    private func markSpawned() throws -> Session {
        let applied = try provisioner.store.apply(plan.id, .spawnCompleted(agentHasHooks: plan.agent.hasHooks), at: Clock.now(),
                                                  eventData: EventData.of(["tmux": plan.tmuxName, "worktree": plan.worktreePath]))
        guard let session = applied.session, applied.decision.rejection == nil else {
            throw Messages.notMarkedSpawned(plan.id.rawValue, reason: applied.decision.reason)
        }
        return session
    }
}

import Agents
import ArgumentParser
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// `git ao restore <id>`: brings an ended session back on its branch.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring an ended session back: recreate its worktree if needed and relaunch its agent.",
        discussion: """
            The worktree is recreated on the session's branch when it is missing (from \
            refs/ao/archive/<id> when cleanup already deleted the branch). The agent resumes its own \
            conversation where it can (Claude Code --resume, Codex resume, Aider \
            --restore-chat-history with its chat history put back from <common-dir>/ao/sessions/<id>/, \
            a custom agent's ao.agent.<name>.resume); otherwise it starts again with the saved prompt, \
            and says so. Like spawn, restore is all or nothing.

            Included ignored files (.worktreeinclude, ao.spawn.include) missing from the worktree \
            are copied again; files already there are kept. The setup step (ao.spawn.setup) runs \
            only when the worktree had to be recreated. With ao.portRange the session gets a port \
            again (its old one when still free).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @OptionGroup var target: SessionArgument

    @Flag(name: .shortAndLong, help: "Report the files copied into the worktree, the setup step and the port.")
    var verbose = false

    /// `<common-dir>/ao/restore-<id>.lock`: held (flock) while the session is being restored.
    static func lockPath(aoDirectory: String, session: SessionID) -> String { aoDirectory + "/restore-\(session).lock" }

    func run() throws {
        try global.apply()
        Interrupts.catchTermination()
        let (workspace, found) = try target.resolve()
        // One restore of a session at a time: a second one (another terminal, a script run
        // twice) is told so, instead of racing the first for the branch, worktree and tmux name.
        let lockPath = RestoreCommand.lockPath(aoDirectory: workspace.location.aoDirectory, session: found.id)
        guard let lock = try FileLock.acquire(lockPath, wait: 0) else {
            throw Messages.sessionBeingRestored(found.id.rawValue, pid: FileLock.owner(of: lockPath))
        }
        lock.recordOwner()
        defer { lock.release() }
        // Read again under the lock: a restore that just finished has made it live.
        let session = try workspace.resolveSession(found.id.rawValue)
        // The session comes back on the server it was recorded on (a session from before servers
        // were recorded goes to the caller's default one, which is then recorded).
        let socket = session.tmuxSocket ?? Tmux.socketForNewSession()
        Tmux.prepareDirectory(of: socket)
        let tmux = try Tmux.require().on(socket: socket)
        switch tmux.listSessions() {
        case .listed(let names):
            if !session.isTerminated && names[session.tmuxName] != nil { throw Messages.sessionNotRestorable(session.id.rawValue) }
        case .noServer:
            break
        case .failed(let reason):
            // The agent may still be running there: starting it a second time is not a restore.
            throw Messages.serverUnreachable(socket, reason)
        }
        if session.branch.rawValue.isEmpty { throw Messages.sessionIncompleteHandle(session.id.rawValue, missing: "branch") }
        if session.worktreePath.isEmpty { throw Messages.sessionIncompleteHandle(session.id.rawValue, missing: "worktree path") }

        let repository = try workspace.repository()
        let config = try workspace.config()
        let store = try workspace.requireStore()
        let agent = try AgentCatalog(config: config).definition(session.agent)
        let others = try workspace.sessions().filter { !$0.isTerminated && $0.id != session.id }
        // One live session per GitHub issue (the unique index would refuse the write anyway).
        if let issue = try workspace.storeCall({ try store.issueID(of: session.id) }),
           let other = try workspace.storeCall({ try store.liveSession(forIssue: issue) }), other != session.id {
            throw Messages.issueHasLiveSession(issue, session: other.rawValue)
        }
        if let other = others.first(where: { $0.branch == session.branch }) {
            throw Messages.branchInUseBySession(session.branch.rawValue, session: other.id.rawValue, path: other.worktreePath)
        }
        if let name = session.name, let other = others.first(where: { $0.name == name }) {
            throw Messages.nameInUse(name, session: other.id.rawValue)
        }
        let worktreeNeeded = try checkWorktree(session, repository: repository)
        let preparation = try WorktreePreparation(config: config)
        if worktreeNeeded { try preparation.checkSetupProgramOnPath() }
        let preparationOutput = PreparationOutput(verbose: verbose, quiet: global.quiet, json: output.json)

        let promptFilePath = workspace.location.aoDirectory + "/prompts/\(session.id).txt"
        var context = AgentDefinition.Context(prompt: session.prompt, promptFile: agent.wantsPromptFile ? promptFilePath : nil,
                                              session: session.id.rawValue, agentSession: session.agentSessionID)
        var mode = "resume"
        // aider resumes from the chat history in its worktree: without one there is nothing to resume.
        let aoDirectory = workspace.location.aoDirectory
        let canResume = !agent.resumeNeedsConversationFiles || ConversationFiles.available(session, agent: agent, aoDirectory: aoDirectory)
        var argv = canResume ? agent.resumeArgv(context) : nil
        if argv == nil {
            mode = "prompt"
            if agent.pinsAgentSession { context.agentSession = AgentDefinition.newAgentSessionID() }
            argv = agent.launchArgv(context)
        }
        guard var argv, let program = Subprocess.onPath(argv[0]) else {
            throw Messages.agentBinaryNotFound(agent.name, program: argv?.first ?? agent.program)
        }
        argv[0] = program

        let provisioner = Provisioner(workspace: workspace, repository: repository, store: store, tmux: tmux)
        // An undone restore takes back what it said it did. (Killed with -9, nothing is undone:
        // the events stay, as do the worktree and branch it made; see docs/progress.md.)
        try workspace.storeCall { try provisioner.markRestoreStart(session, kinds: ["port_assigned", "files_copied"]) }
        var steps = StepRunner(operation: "restore of session \(session.id)")
        let restored: Session
        do {
            // A tmux session that outlived its agent (or an ended session's leftover) goes first.
            try tmux.killSession(session.tmuxName)
            var launched = session
            launched.port = try steps.run("reserving a port") {
                do {
                    return try store.assignPort(to: session.id, at: Clock.now(), preparation.portRequest)?.port
                } catch SeedConflict.noFreePort {
                    throw Messages.portRangeExhausted(preparation.portRange ?? 0...0)
                }
            }
            if let port = launched.port { preparationOutput.note("port \(port) (AO_PORT)") }
            if worktreeNeeded {
                try steps.run("recreating the branch") { try ensureBranch(session, repository: repository, provisioner: provisioner) }
                try steps.run("recreating the worktree") {
                    let name = repository.availableWorktreeName(base: baseName(session.worktreePath))
                    try provisioner.createWorktree(name: name, path: session.worktreePath, branch: session.branch.rawValue, session: session.id)
                }
            }
            try PreparationSteps(provisioner: provisioner, preparation: preparation, output: preparationOutput)
                .run(&steps, session: launched, runSetup: worktreeNeeded)
            try steps.run("installing the agent's hooks") { try provisioner.installAgentHooks(agent, worktree: session.worktreePath) }
            if mode == "resume" {
                try steps.run("putting the agent's conversation back") { try ConversationFiles.putBack(session, agent: agent, aoDirectory: aoDirectory) }
            }
            if agent.wantsPromptFile && !fileExists(promptFilePath) {
                _ = try steps.run("writing the prompt file") { try provisioner.writePromptFile(session.prompt, for: session.id) }
            }
            launched.agentSessionID = context.agentSession
            try steps.run("starting the agent in tmux") { try provisioner.launchAgent(launched, argv: argv) }
            if mode == "prompt", let prompt = session.prompt, agent.promptDelivery(hasPrompt: !prompt.isEmpty) == .paste {
                try steps.run("delivering the prompt") { try provisioner.pastePrompt(prompt, agent: agent, session: launched, config: config) }
            }
            try steps.run("confirming the agent runs") { try provisioner.finishLaunch() }
            restored = try steps.run("marking the session restored") {
                if context.agentSession != session.agentSessionID {
                    try store.update(session.id, at: Clock.now(), event: "agent_session") { $0.agentSessionID = context.agentSession }
                }
                if session.tmuxSocket != socket {
                    try store.update(session.id, at: Clock.now(), event: "tmux_server", data: JSON.object(["socket": socket])) { $0.tmuxSocket = socket }
                }
                let data = EventData.of(["mode": mode, "worktree_recreated": worktreeNeeded ? "yes" : "no"])
                guard let updated = try store.apply(session.id, .restored(agentHasHooks: agent.hasHooks), at: Clock.now(), eventData: data).session else {
                    throw Messages.sessionNotFound(session.id.rawValue)
                }
                return updated
            }
        } catch {
            let cause = provisioner.agentExit(instead: error)
            let created = provisioner.createdAnything
            let report = provisioner.rollback()
            throw Provisioner.failure(cause, operation: "restore of session \(session.id)", step: steps.current, rollback: report, createdAnything: created)
        }
        Interrupts.restoreDefaults()

        if output.json {
            Console.out(JSON.encode(SessionView(restored, now: Clock.now(), includePrompt: true), pretty: true) + "\n")
        } else {
            Console.line(restored.id.rawValue)
            if !global.quiet {
                let how = mode == "resume" ? "resuming the agent's conversation" : "starting the agent again with its saved prompt"
                Console.err("Restored \(restored.id) in \(displaySafe(restored.worktreePath)), \(how). Attach with: git ao attach \(restored.id)\n")
            }
        }
    }

    /// Whether the worktree must be recreated. A path that exists but is not this session's
    /// worktree is somebody else's: restore refuses to touch it.
    private func checkWorktree(_ session: Session, repository: Repository) throws -> Bool {
        let worktrees = try repository.worktrees()
        if let existing = worktrees.first(where: { samePath($0.path, session.worktreePath) }), existing.isValid, fileExists(session.worktreePath) {
            if existing.branch != session.branch.rawValue {
                throw Messages.worktreeOnOtherBranch(session.worktreePath, holds: existing.branch, expected: session.branch.rawValue)
            }
            return false
        }
        if fileExists(session.worktreePath) { throw Messages.worktreePathExists(session.worktreePath) }
        if let holder = try repository.worktree(holding: session.branch.rawValue) {
            throw Messages.branchCheckedOutElsewhere(session.branch.rawValue, path: holder.path)
        }
        return true
    }

    /// Recreates the branch from the archive ref when cleanup deleted it.
    private func ensureBranch(_ session: Session, repository: Repository, provisioner: Provisioner) throws {
        if try repository.localBranchTip(session.branch.rawValue) != nil { return }
        let archive = CleanupCommand.archiveRef(for: session.id)
        // Cleanup archives a tip only when no ref that stays holds it; otherwise its `cleaned`
        // event names the tip, which the upstream or the base still reaches.
        let recorded = try provisioner.store.events(session: session.id).last { $0.kind == "cleaned" }
            .flatMap { $0.data }.flatMap { try? JSONValue.parse($0)["tip"]?.stringValue }
        let tip = try repository.referenceTarget(archive) ?? recorded.flatMap { try? repository.resolveRevision($0)?.sha }
        guard let tip else {
            throw Messages.branchGoneNoArchive(session.id.rawValue, branch: session.branch.rawValue, archive: archive)
        }
        try provisioner.createBranch(session.branch.rawValue, at: tip)
    }
}

import Agents
import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// Creates what a session runs on (branch, worktree, prompt file, tmux session) and records how
/// to undo each piece, so spawn and restore are all or nothing: when a later step fails, or
/// the user presses Ctrl-C, `rollback()` removes exactly what was created, newest first.
final class Provisioner {
    private enum Undo {
        case row(SessionID)
        case branch(name: String, tip: String)
        case directories([String])
        case worktree(path: String)
        case file(String)
        case tmuxSession(String)
    }

    let workspace: Workspace
    let repository: Repository
    let store: StateStore
    let tmux: Tmux
    private var journal: [Undo] = []

    init(workspace: Workspace, repository: Repository, store: StateStore, tmux: Tmux) {
        self.workspace = workspace
        self.repository = repository
        self.store = store
        self.tmux = tmux
    }

    /// Whether anything has been created yet.
    var createdAnything: Bool { !journal.isEmpty }

    /// Notes that a row was written, so rollback deletes it.
    func recordRow(_ id: SessionID) { journal.append(.row(id)) }

    func createBranch(_ name: String, at sha: String, upstream: String? = nil) throws {
        try repository.createBranch(name, at: sha)
        journal.append(.branch(name: name, tip: sha))
        if let upstream { try repository.setUpstream(of: name, to: upstream) }
    }

    /// Creates the worktree and marks it as the session's: `<admin dir>/ao-session` holds the id,
    /// so a git hook there knows its session with one `stat` (and git's own prune removes it).
    func createWorktree(name: String, path: String, branch: String, session: SessionID) throws {
        let created = try makeDirectories(parent(of: path))
        if !created.isEmpty { journal.append(.directories(created)) }
        _ = try repository.addWorktree(name: name, path: path, branch: branch)
        journal.append(.worktree(path: path))
        try SessionMarker.write(session, worktreeAdminDir: repository.commonDir + "/worktrees/" + name)
    }

    /// Gives an agent that reports its own activity the hooks that report it.
    func installAgentHooks(_ agent: AgentDefinition, worktree: String) throws {
        if case .claudeCode = agent.kind {
            try AgentHooks.installClaudeHooks(worktree: worktree, commonDir: workspace.location.commonDir)
        }
    }

    /// Writes the prompt for `{prompt_file}` to `<common-dir>/ao/prompts/<id>.txt` (mode 0600).
    func writePromptFile(_ prompt: String?, for id: SessionID) throws -> String {
        let directory = workspace.location.aoDirectory + "/prompts"
        try makeDirectories(directory, mode: 0o700)
        let path = directory + "/\(id).txt"
        try writeFileAtomically(path, Array((prompt ?? "").utf8))
        journal.append(.file(path))
        return path
    }

    /// Starts the agent inside tmux session `session.tmuxName`, in the session's worktree.
    func launchAgent(_ session: Session, argv: [String]) throws {
        let launcher = AgentLauncher(tmux: tmux, runDirectory: workspace.location.aoDirectory + "/run")
        try launcher.launch(name: session.tmuxName, directory: session.worktreePath, argv: argv,
                            environment: AgentLauncher.environment(for: session, commonDir: workspace.location.commonDir))
        journal.append(.tmuxSession(session.tmuxName))
        launched = (session.tmuxName, argv[0], session.worktreePath)
    }

    /// The agent started by `launchAgent`, while its pane is kept after it exits.
    private var launched: (tmuxName: String, program: String, directory: String)?

    /// The last step of a launch: from now on the tmux session ends when the agent exits.
    /// Throws AGENT_EXITED when the agent has already exited.
    func finishLaunch() throws {
        guard let launched else { return }
        try AgentLauncher(tmux: tmux, runDirectory: workspace.location.aoDirectory + "/run")
            .finish(name: launched.tmuxName, program: launched.program, directory: launched.directory)
        self.launched = nil
    }

    /// When a later step failed because the agent had exited (its screen could not be read, its
    /// ready pattern never came), that is the cause to report, with its status and last output.
    func agentExit(instead error: Error) -> Error {
        guard let launched, let dead = tmux.deadPane(launched.tmuxName) else { return error }
        return Messages.agentExited(launched.program, tmuxName: launched.tmuxName, dead: dead, directory: launched.directory)
    }

    /// For agents that take their prompt pasted: waits until the agent is ready, then delivers it.
    func pastePrompt(_ prompt: String, agent: AgentDefinition, session: Session, config: GitConfig) throws {
        let delivery = Delivery(tmux: tmux, target: session.tmuxName)
        let key = "ao.agent.\(agent.name).readyTimeout"
        let timeout = try config.timeSpan(key).map { Double($0.milliseconds) / 1000 } ?? 30
        guard try delivery.waitUntilReady(pattern: agent.readyPattern, timeout: timeout, interrupted: { Interrupts.isPending }) else {
            try Interrupts.check("starting the agent")
            throw Messages.agentNotReady(agent.name, seconds: Int(timeout), key: key)
        }
        let result = try delivery.deliver(prompt, interrupted: { Interrupts.isPending })
        try Interrupts.check("starting the agent")
        if !result.confirmed { throw Messages.deliveryNotConfirmed(session.id.rawValue, attempts: result.presses) }
    }

    /// Undoes every recorded step, newest first. Never stops at a failed undo: it reports it
    /// and carries on, so as little as possible is left behind.
    func rollback() -> [String] {
        var report: [String] = []
        for undo in journal.reversed() {
            do {
                switch undo {
                case .tmuxSession(let name):
                    try tmux.killSession(name)
                    report.append("ended tmux session \(name)")
                case .file(let path):
                    unlink(path)
                case .worktree(let path):
                    try repository.removeWorktree(at: path)
                    report.append("removed worktree \(path)")
                case .directories(let created):
                    for directory in created.reversed() { rmdir(directory) }
                case .branch(let name, let tip):
                    // Only a branch that gained no commits is ours to delete.
                    if try repository.localBranchTip(name) == tip {
                        try repository.deleteBranch(name)
                        report.append("deleted branch \(name)")
                    } else {
                        report.append("kept branch \(name): it has new commits")
                    }
                case .row(let id):
                    try store.deleteSession(id)
                }
            } catch {
                report.append("could not undo: \(AOError.wrapping(error).message)")
            }
        }
        journal.removeAll()
        return report
    }

    /// The error to show for a failed step, with what the rollback did.
    static func failure(_ error: Error, operation: String, step: String, rollback: [String], createdAnything: Bool) -> AOError {
        let cause = AOError.wrapping(error)
        let undone = rollback.isEmpty ? [] : ["undone: " + rollback.joined(separator: "; ")]
        if cause.code == .interrupted {
            return AOError(.interrupted, "\(operation) was interrupted while \(step); everything it created was removed.",
                           hint: cause.hint, details: undone)
        }
        // Nothing durable existed yet: the cause is the whole story.
        if !createdAnything { return cause }
        return AOError(.spawnFailed, "\(operation) failed while \(step): \(cause.message)",
                       hint: cause.hint, details: ["cause: \(cause.code.rawValue)"] + cause.details + undone)
    }
}

/// Runs named steps, remembering which one is running for the error message.
struct StepRunner {
    private(set) var current = ""
    let operation: String

    init(operation: String) { self.operation = operation }

    mutating func run<T>(_ name: String, _ body: () throws -> T) throws -> T {
        current = name
        try Interrupts.check(operation)
        return try body()
    }
}

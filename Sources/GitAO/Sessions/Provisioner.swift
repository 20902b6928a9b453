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
        case processGroup(pid_t, marker: String)
        /// An existing session's port, and its events that describe steps the rollback undoes.
        case restoreSteps(SessionID, eventsAfter: Int64, kinds: [String], port: Int?)
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

    /// Whether anything has been created yet (a mark in the change log is not a creation).
    var createdAnything: Bool {
        journal.contains { if case .restoreSteps = $0 { return false } else { return true } }
    }

    /// Notes where an ended session's change log and port stand before a restore, so a rollback
    /// puts its port back and takes back the events of `kinds` written from now on (the
    /// restore's `port_assigned` and `files_copied`).
    func markRestoreStart(_ session: Session, kinds: [String]) throws {
        journal.append(.restoreSteps(session.id, eventsAfter: try store.lastEventSeq(of: session.id), kinds: kinds, port: session.port))
    }

    /// Notes that a row was written, so rollback deletes it.
    func recordRow(_ id: SessionID) { journal.append(.row(id)) }

    /// Notes the setup step's process group, so a rollback ends what the step left running in
    /// the background (only processes still carrying the session's id are hit).
    func recordProcessGroup(_ group: pid_t, session: SessionID) {
        journal.append(.processGroup(group, marker: "AO_SESSION_ID=\(session)"))
    }

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
        let saved = WorktreeDisposal.pruneVanished(at: path, repository: repository)
        if !saved.isEmpty { Console.err("note: " + WorktreeDisposal.savedSentence(saved) + "\n") }
        _ = try repository.addWorktree(name: name, path: path, branch: branch)
        journal.append(.worktree(path: path))
        try SessionMarker.write(session, worktreeAdminDir: repository.commonDir + "/worktrees/" + name)
    }

    /// Gives an agent that reports its own activity the hooks that report it, and keeps the
    /// files the agent writes itself (aider's `.aider*`) out of git's way.
    func installAgentHooks(_ agent: AgentDefinition, worktree: String) throws {
        for pattern in agent.ownFilePatterns {
            try AgentHooks.excludeFromGit(pattern, commonDir: workspace.location.commonDir, why: "files agent \(agent.name) writes in its worktree")
        }
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

    /// Copies the files `.worktreeinclude` and `patterns` name (ignored and untracked in the main
    /// worktree) into `worktree`, never replacing what is there and skipping what the worktree's
    /// branch does not ignore (a copy must not make the worktree dirty). Each copied file is
    /// journalled, so a rollback removes it even from a worktree that stays (restore).
    func copyIncludedFiles(_ patterns: [String], into worktree: String, maxSize: Int64? = nil) throws -> CopyReport {
        guard var main = try repository.mainWorktreePath() else { return CopyReport() }
        while main.count > 1 && main.hasSuffix("/") { main.removeLast() }
        guard !samePath(main, worktree) else { return CopyReport() }
        let candidates = try IncludedFiles.list(mainWorktree: main, patterns: patterns)
        guard !candidates.isEmpty else { return CopyReport() }
        var report = CopyReport()
        var missing: [String] = []
        for path in candidates {
            var info = stat()
            if lstat(worktree + "/" + path, &info) == 0 { report.present.append(path) } else { missing.append(path) }
        }
        // A symbolic link the branch tracks where the main worktree has a folder must never be
        // written through (and git refuses to look beyond one).
        let blocked = Set(missing.filter { Provisioner.passesThroughLink($0, below: worktree) })
        let ignoredHere = Set(try IncludedFiles.ignored(missing.filter { !blocked.contains($0) }, in: worktree))
        for path in missing {
            try Interrupts.check("copying the included files")
            if blocked.contains(path) {
                report.skipped.append((path, "a symbolic link is in the way in the worktree"))
                continue
            }
            guard ignoredHere.contains(path) else {
                report.skipped.append((path, "this branch does not ignore it, so a copy would make the worktree dirty"))
                continue
            }
            var created: [String] = []
            let outcome = try FileCopy.copy(path, from: main, to: worktree, createdDirectories: &created, maxSize: maxSize)
            if !created.isEmpty { journal.append(.directories(created)) }
            switch outcome {
            case .copied(let reflink):
                journal.append(.file(worktree + "/" + path))
                report.copied.append((path, reflink))
            case .linked:
                journal.append(.file(worktree + "/" + path))
                report.linked.append(path)
            case .exists:
                report.present.append(path)
            case .skipped(let reason):
                report.skipped.append((path, reason))
            }
        }
        return report
    }

    /// Whether a folder on the way to `path` (relative to `root`) is a symbolic link.
    static func passesThroughLink(_ path: String, below root: String) -> Bool {
        var prefix = root
        for part in path.split(separator: "/").dropLast() {
            prefix += "/" + part
            var info = stat()
            guard lstat(prefix, &info) == 0 else { return false }
            if (info.st_mode & S_IFMT) == S_IFLNK { return true }
        }
        return false
    }

    /// Appends an event to the session's change log without changing the session.
    func recordEvent(_ id: SessionID, kind: String, fields: [String: String?]) throws {
        let revision = try store.session(id)?.revision ?? 1
        try store.recordEvent(SessionEvent(sessionID: id, at: Clock.now(), kind: kind, revision: revision, data: JSON.object(fields)))
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
    /// An agent that stops at a question instead fails the step with the question quoted: the
    /// prompt would otherwise become its answer.
    func pastePrompt(_ prompt: String, agent: AgentDefinition, session: Session, config: GitConfig) throws {
        let delivery = Delivery(tmux: tmux, target: session.tmuxName)
        let key = "ao.agent.\(agent.name).readyTimeout"
        let timeout = try config.timeSpan(key).map { Double($0.milliseconds) / 1000 } ?? 30
        switch try AgentReadiness.waitForPrompt(agent, delivery: delivery, timeout: timeout, interrupted: { Interrupts.isPending }) {
        case .ready:
            break
        case .question(let line):
            throw Messages.agentAskedAQuestion(agent, question: line)
        case .timedOut:
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
                case .processGroup(let group, let marker):
                    if GroupedProcess.endAbandonedGroup(group, marker: marker) {
                        report.append("ended what the setup step left running")
                    }
                case .file(let path):
                    unlink(path)
                case .worktree(let path):
                    // Whatever happened in it meanwhile, no commit is lost with it.
                    let disposed = WorktreeDisposal.dispose(path, repository: repository, requireClean: false)
                    if case .kept(let why) = disposed.outcome {
                        report.append("kept worktree \(path): \(why)")
                    } else {
                        report.append(Provisioner.removedWorktree(path))
                    }
                    if !disposed.saved.isEmpty { report.append("saved commits no branch held as \(disposed.saved.joined(separator: ", "))") }
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
                case .restoreSteps(let id, let seq, let kinds, let port):
                    try store.undoRestoreSteps(of: id, eventsAfter: seq, kinds: kinds, port: port)
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
        // The agent's question is the story; the rollback is a detail.
        if cause.code == .agentAskedAQuestion {
            return AOError(cause.code, "\(operation) was undone: \(cause.message)", hint: cause.hint, details: cause.details + undone)
        }
        // Nothing durable existed yet: the cause is the whole story.
        if !createdAnything { return cause }
        var hint = cause.hint
        // AGENT_EXITED says to run the agent in its worktree; once the undo removed that
        // worktree, the hint would send the user to a folder the same message says is gone.
        let removed = rollback.compactMap { $0.hasPrefix(removedWorktreePrefix) ? String($0.dropFirst(removedWorktreePrefix.count)) : nil }
        if cause.code == .agentExited, !removed.isEmpty, removed.contains(where: { cause.hint.contains("'\($0)'") }) {
            hint = Messages.agentExitedWorktreeRemoved
        }
        return AOError(.spawnFailed, "\(operation) failed while \(step): \(cause.message)",
                       hint: hint, details: ["cause: \(cause.code.rawValue)"] + cause.details + undone)
    }

    private static let removedWorktreePrefix = "removed worktree "

    /// The rollback's line for a removed worktree (read back by `failure`).
    static func removedWorktree(_ path: String) -> String { removedWorktreePrefix + path }
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

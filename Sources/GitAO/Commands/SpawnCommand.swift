import ArgumentParser
import Forge
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// `git ao spawn`: worktree, session and agent, all or nothing.
struct SpawnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spawn",
        abstract: "Start an agent on its own branch, worktree and tmux session.",
        discussion: """
            Checks the repository, branch, base, agent program and tmux first; then records the \
            session, creates the branch and worktree, starts the agent in tmux and marks the session \
            spawned. If any step fails, everything this spawn created is removed again.

            A fresh worktree has only tracked files. Ignored files of the main worktree that \
            .worktreeinclude (gitignore syntax, at the repository root) or ao.spawn.include names \
            are copied into it (a reflink where the filesystem allows), then ao.spawn.setup runs in \
            it without a shell (output in <common-dir>/ao/logs/<id>-setup.log, at most \
            ao.spawn.setupTimeout). With ao.portRange the session gets its own port as AO_PORT.

            Branch: an existing local branch is used as it is; a branch that exists only as \
            <remote>/<branch> becomes a local branch tracking it; otherwise a new branch is made from \
            --base. Without --branch the branch is <ao.branchPrefix><id>. The default base is the \
            remote's default branch (origin/HEAD), then origin/main, then the current branch; \
            the local branch of the same name when it is ahead of the remote one (diverged: the \
            remote one, and spawn says why); inside a session's worktree, that session's branch. \
            The base (ref and short sha) is printed on stderr on every spawn.

            Prints the session id (with --json, the session object). Attaches to the session when \
            stdin and stdout are a terminal, unless --no-attach or --json is given.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Option(help: ArgumentHelp("Branch to work on (created when it does not exist).", valueName: "branch"))
    var branch: String?

    @Option(help: ArgumentHelp("Commit or branch a new branch starts from.", valueName: "ref"))
    var base: String?

    @Option(help: ArgumentHelp("Agent to run: claude-code, codex, aider, shell or one from git config (default: ao.agent).", valueName: "agent"))
    var agent: String?

    @Option(help: ArgumentHelp("A name for the session, usable wherever an id is.", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("The task for the agent.", valueName: "text"))
    var prompt: String?

    @Option(help: ArgumentHelp("Read the task from a file.", valueName: "file"))
    var promptFile: String?

    @Argument(help: ArgumentHelp("'-' reads the task from standard input.", valueName: "-"))
    var stdinMarker: String?

    @Flag(help: "Do not attach to the session afterwards.")
    var noAttach = false

    @Option(help: ArgumentHelp("The session's own agent reviewer ('none': no agent reviewer), before ao.review.agent.", valueName: "agent"))
    var reviewAgent: String?

    @Flag(name: .shortAndLong, help: "Report the files copied into the worktree, the setup step and the port.")
    var verbose = false

    @Option(help: ArgumentHelp("Work on this open pull request: fetch its head (the branch, or refs/pull/<n>/head for a fork) and link the session to it.", valueName: "number"))
    var pr: Int?

    @Option(help: ArgumentHelp("Work on this GitHub issue: branch <ao.branchPrefix>issue-<n>-<slug>, its title, URL, labels and body as the prompt; one live session per issue.", valueName: "number"))
    var issue: Int?

    func validate() throws {
        if let issue {
            if issue <= 0 { throw ValidationError("--issue takes an issue number.") }
            if pr != nil { throw ValidationError("Give --issue or --pr, not both.") }
            if prompt != nil || promptFile != nil || stdinMarker != nil { throw ValidationError("--issue makes the prompt from the issue: leave out --prompt, --prompt-file and '-'.") }
        }
        if let pr {
            if pr <= 0 { throw ValidationError("--pr takes a pull request number.") }
            if branch != nil || base != nil { throw ValidationError("--pr picks the branch and base itself: leave out --branch and --base.") }
        }
        let sources = [prompt != nil, promptFile != nil, stdinMarker != nil].filter { $0 }.count
        if sources > 1 { throw ValidationError("Give the prompt one way only: --prompt, --prompt-file or '-'.") }
        if let stdinMarker, stdinMarker != "-" {
            throw ValidationError("Unexpected argument '\(stdinMarker)'. Pass the task with --prompt '...', --prompt-file <file>, or '-' for standard input.")
        }
        if let name {
            if name.isEmpty { throw ValidationError("--name cannot be empty.") }
            if name.unicodeScalars.contains(where: { $0.value == 0 }) { throw ValidationError("--name cannot contain NUL characters.") }
        }
    }

    func run() throws {
        try global.apply()
        let promptText = try readPrompt()
        Interrupts.catchTermination()
        let repository = try Workspace.openRepository()
        let workspace = try Workspace.locate()
        let config = try workspace.config()
        let store = try workspace.requireStore()
        var request = SpawnRequest(branch: branch, base: base, agent: agent, name: name, prompt: promptText)
        var linked: PullRequestFacts?
        var issueID: String?
        if let pr {
            let checkout = try PullRequestCheckout(workspace: workspace, config: config)
                .prepare(pr, sessions: try workspace.sessions(), store: store)
            (request.branch, request.base, linked) = (checkout.branch, checkout.base, checkout.facts)
        }
        if let issue {
            let found = try IssueIntake(workspace: workspace, config: config, store: store).issueForSpawn(issue)
            issueID = found.id
            request.branch = request.branch ?? found.branch
            request.prompt = found.prompt
        }
        // Ids come first when a handle is resolved: a name equal to an id could never be used.
        if let name, let other = try workspace.sessions().first(where: { $0.id.rawValue == name }) {
            throw Messages.nameIsAnID(name, session: other.id.rawValue)
        }
        if let reviewAgent { try ReviewSettings.checkReviewAgent(reviewAgent, config: config) }
        let preparationOutput = PreparationOutput(verbose: verbose, quiet: global.quiet, json: output.json)
        let spawned = try SpawnComposition(workspace: workspace, repository: repository, config: config, store: store)
            .spawn(request, issue: issueID, linked: linked, output: preparationOutput)
        let (session, plan) = (spawned.session, spawned.plan)
        Interrupts.restoreDefaults()
        if let reviewAgent {
            do { try workspace.storeCall { try store.setReviewAgentOverride(reviewAgent, for: session.id) } } catch {
                Console.err("warning: the session runs, but its reviewer could not be recorded: \(displaySafe(AOError.wrapping(error).message))\n")
            }
        }

        // Where it started, on every spawn (-q and --json included): stderr, so stdout stays the
        // id alone (or the JSON), and a base the user did not expect is seen at once.
        Console.err(displaySafe("base: \(session.baseRef) (\(session.baseSHA.short))" + (plan.baseReason.map { "; \($0)" } ?? "")) + "\n")
        if output.json {
            Console.out(JSON.encode(SessionView(session, now: Clock.now(), includePrompt: true, issue: issueID, baseReason: plan.baseReason), pretty: true) + "\n")
            return
        }
        Console.line(session.id.rawValue)
        if !global.quiet {
            for note in plan.notes { Console.err("note: \(displaySafe(note))\n") }
            Console.err(displaySafe("Spawned \(session.id) (\(session.agent)) on branch \(session.branch) in \(session.worktreePath)") + "\n")
        }
        if !noAttach && Console.stdinIsTerminal && Console.stdoutIsTerminal {
            Console.flush()
            let tmux = plan.tmux
            let failure = Subprocess.exec(tmux.attachCommand(session.tmuxName))
            throw Messages.attachFailed(String(describing: failure), session: session.id.rawValue)
        } else if !global.quiet {
            Console.err("Attach with: git ao attach \(session.id)\n")
        }
    }

    /// The prompt from --prompt, --prompt-file or standard input, checked to be text an agent can take.
    private func readPrompt() throws -> String? {
        var bytes: [UInt8]?
        if let prompt { bytes = Array(prompt.utf8) }
        if let promptFile {
            guard let data = readBytes(promptFile) else {
                throw Messages.promptFileUnreadable(promptFile)
            }
            bytes = data
        }
        if stdinMarker == "-" { bytes = readStandardInput() }
        guard let bytes else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Messages.notUTF8("prompt")
        }
        if bytes.contains(0) {
            throw Messages.promptHasNUL()
        }
        return text
    }

    /// A fresh id: not used by any session of this repository, nor by any tmux session of the
    /// server (another repository's session may have the same id).
    static func newSessionID(store: StateStore, avoiding tmuxNames: Set<String>, names: Set<String> = []) throws -> SessionID {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let id = SessionID.make { Int.random(in: 0..<$0, using: &generator) }
            if try store.session(id) == nil && !tmuxNames.contains(Session.tmuxName(for: id)) && !names.contains(id.rawValue) { return id }
        }
        throw Messages.noFreeSessionID()
    }
}

import Agents
import Platform
import Store
import Worktree

/// Every user-facing error of the commands, in one table: the sentence names what is involved,
/// the hint says what to run next. The few that lower layers raise themselves live beside them
/// (Platform, TmuxRuntime, Agents), in the same `Messages` namespace.
extension Messages {
    // MARK: Repository

    static func notARepository(_ directory: String) -> AOError {
        AOError(.notAGitRepository, "'\(directory)' is not inside a git repository.",
                hint: "Run git-ao from a repository or one of its worktrees, or pass -C <path>.")
    }

    static func unsafeRepository(_ directory: String) -> AOError {
        AOError(.unsafeRepository, "the repository at '\(directory)' is owned by another user, so git (and git-ao) will not use it.",
                hint: "If you trust it, run: git config --global --add safe.directory '\(directory)'")
    }

    static func noCommits(_ directory: String) -> AOError {
        AOError(.repoHasNoCommits, "the repository at '\(directory)' has no commits yet, so there is nothing to branch from.",
                hint: "Make a first commit (git commit --allow-empty -m 'Initial commit'), then spawn again.")
    }

    static func libgit2Missing(_ error: GitError) -> AOError {
        AOError(.runtimePrerequisiteMissing, "libgit2 could not be loaded (\(error.message)).",
                hint: "Install it: apt-get install libgit2-1.5 (or re-run ./install.sh).")
    }

    // MARK: Branches and bases

    static func invalidBranch(_ name: String) -> AOError {
        AOError(.invalidBranch, "'\(name)' is not a valid branch name.",
                hint: "Branch names follow git's rules (see: git check-ref-format --branch '\(name)').")
    }

    static func branchCheckedOutElsewhere(_ branch: String, path: String) -> AOError {
        AOError(.branchCheckedOutElsewhere, "branch '\(branch)' is already checked out in the worktree at '\(path)'.",
                hint: "Pick another branch with --branch, or free it first (git -C '\(path)' switch --detach).")
    }

    static func branchInUseBySession(_ branch: String, session: String, path: String) -> AOError {
        AOError(.branchCheckedOutElsewhere, "branch '\(branch)' is already used by session \(session) (worktree '\(path)').",
                hint: "Pick another branch with --branch, or end that session first: git ao kill \(session)")
    }

    static func branchNotFetched(_ name: String, remote: String) -> AOError {
        AOError(.branchNotFetched, "'\(name)' is neither a local branch nor a remote-tracking branch of '\(remote)' here.",
                hint: "Fetch it first: git fetch \(remote)")
    }

    static func branchAmbiguous(_ name: String, remotes: [String]) -> AOError {
        AOError(.branchAmbiguous, "branch '\(name)' exists on several remotes (\(remotes.joined(separator: ", "))) and none is the default.",
                hint: "Name one explicitly, e.g. --branch \(remotes[0])/\(name), or set checkout.defaultRemote.")
    }

    static func baseNotFound(_ base: String) -> AOError {
        AOError(.baseNotFound, "base '\(base)' does not name a commit in this repository.",
                hint: "Check the name (git rev-parse --verify '\(base)^{commit}'), or run git fetch if it lives on a remote.")
    }

    static func noDefaultBase(unbornBranch: String?) -> AOError {
        let head = unbornBranch.map { "HEAD names branch '\($0)', which has no commits yet" } ?? "HEAD is detached"
        return AOError(.baseNotFound, "no base to branch from: there is no origin/HEAD, no origin/main, and \(head).",
                hint: "Pass --base <ref>, or run: git remote set-head origin --auto")
    }

    // MARK: Worktrees

    static func worktreePathExists(_ path: String) -> AOError {
        AOError(.worktreePathExists, "the worktree path '\(path)' already exists.",
                hint: "Move or remove it, or point ao.worktreeRoot elsewhere (git config ao.worktreeRoot <dir>).")
    }

    static func worktreeRootInsideWorktree(root: String, worktree: String) -> AOError {
        AOError(.worktreeRootInsideWorktree, "the worktree root '\(root)' lies inside the worktree '\(worktree)'; git would see the agents' worktrees as untracked files there.",
                hint: "Set ao.worktreeRoot to a folder outside every worktree, e.g. git config ao.worktreeRoot '\(parent(of: worktree))/\(baseName(worktree)).ao'")
    }

    // MARK: Agents and runtime

    static func agentTakesNoPrompt(_ agent: String) -> AOError {
        AOError(.agentTakesNoPrompt, "agent '\(agent)' is an interactive shell and takes no prompt (typing one into a shell would run it as a command).",
                hint: "Drop the prompt, or pick an agent with --agent.")
    }

    static func agentBinaryNotFound(_ agent: String, program: String) -> AOError {
        AOError(.agentBinaryNotFound, "agent '\(agent)' needs the program '\(program)', which is not on PATH.",
                hint: "Install it, fix PATH, or pick another agent with --agent (git ao doctor lists them).")
    }

    // MARK: Sessions

    static func sessionNotFound(_ handle: String) -> AOError {
        AOError(.sessionNotFound, "no session matches '\(handle)'.",
                hint: "List sessions with: git ao status --all")
    }

    static func sessionAmbiguous(_ handle: String, candidates: [String]) -> AOError {
        AOError(.sessionAmbiguous, "'\(handle)' matches several sessions: \(candidates.joined(separator: ", ")).",
                hint: "Use more characters of the id.")
    }

    static func nameInUse(_ name: String, session: String) -> AOError {
        AOError(.nameInUse, "the name '\(name)' is already used by live session \(session).",
                hint: "Pick another --name, or end that session: git ao kill \(session)")
    }

    static func nameIsAnID(_ name: String, session: String) -> AOError {
        AOError(.nameInUse, "the name '\(displaySafe(name))' is the id of session \(session); a name must not be another session's id.",
                hint: "Choose another --name.")
    }

    static func sessionStillSpawning(_ id: String) -> AOError {
        AOError(.sessionNotRunning, "session \(id) is still being spawned; text typed now could be mixed into its prompt or lost with an undone spawn.",
                hint: "Send it once git ao status shows the session, or queue it now: git ao send --queue \(id) <message>")
    }

    static func screenNotYet(_ id: String) -> AOError {
        AOError(.sessionNotRunning, "session \(id) is still being spawned; its agent has no screen yet.",
                hint: "Look again once git ao status shows the session: git ao show --screen \(id)")
    }

    static func screenGone(_ id: String, tmuxName: String, why: String) -> AOError {
        AOError(.sessionNotRunning, "session \(id) is not running: \(why), so there is no screen of \(tmuxName) to show.",
                hint: "git ao show \(id) says how it ended; bring it back with: git ao restore \(id)")
    }

    static func sessionNotRunning(_ id: String, reason: String?) -> AOError {
        AOError(.sessionNotRunning, "session \(id) has ended\(reason.map { " (\($0))" } ?? "").",
                hint: "Bring it back with: git ao restore \(id)")
    }

    static func sessionEndedDuringKeys(_ id: String, pressed: [String], notPressed: [String]) -> AOError {
        AOError(.sessionNotRunning, "session \(id) ended after key \(pressed.count) of \(pressed.count + notPressed.count) (pressed: \(pressed.joined(separator: " "))); not pressed: \(notPressed.joined(separator: " ")).",
                hint: "The agent exited on one of those keys. git ao show \(id) says how it ended; bring it back with: git ao restore \(id)")
    }

    static func sessionBeingRestored(_ id: String, pid: Int32?) -> AOError {
        AOError(.sessionNotRestorable, "session \(id) is being restored by another git-ao\(pid.map { " (pid \($0))" } ?? "").",
                hint: "Wait for it to finish, then attach (git ao attach \(id)) or see how it went (git ao show \(id)).")
    }

    static func sessionNotRestorable(_ id: String) -> AOError {
        AOError(.sessionNotRestorable, "session \(id) is still live, so there is nothing to restore.",
                hint: "Attach to it (git ao attach \(id)), or end it first (git ao kill \(id)).")
    }

    static func sessionIncompleteHandle(_ id: String, missing: String) -> AOError {
        AOError(.sessionIncompleteHandle, "session \(id) cannot be restored: its \(missing) is not recorded.",
                hint: "Start a fresh session instead: git ao spawn")
    }

    static func awaitingDecision(_ id: String) -> AOError {
        AOError(.sessionAwaitingDecision, "session \(id) is at a permission dialog, so no message is typed into it.",
                hint: "Answer the dialog (git ao attach \(id)), or queue the message for when it can take it: git ao send --queue \(id) ...")
    }

    static func watchAlreadyRunning(pid: Int32?) -> AOError {
        AOError(.watchAlreadyRunning, "git ao watch is already running for this repository\(pid.map { " (pid \($0))" } ?? "").",
                hint: "One watch per repository is enough; stop the other one first\(pid.map { " (kill \($0))" } ?? "").")
    }

    static func deliveryNotConfirmed(_ id: String, attempts: Int) -> AOError {
        AOError(.deliveryNotConfirmed, "the message reached session \(id)'s input line but was still there after pressing Enter \(attempts) times.",
                hint: "Look at the agent (git ao attach \(id)): it may be busy or showing a dialog. The text is still in its input line.")
    }

    static func confirmationRequired(_ command: String) -> AOError {
        AOError(.confirmationRequired, "\(command) would delete files, and there is no terminal to confirm on.",
                hint: "Review with --dry-run, then pass -y to proceed.")
    }

    // MARK: Database

    static func database(_ error: StoreError) -> AOError {
        switch error.kind {
        case .tooNew(let known, let found):
            return AOError(.databaseTooNew, "\(error.context) (schema \(found), this git-ao knows \(known)); it was left untouched.",
                           hint: "Upgrade git-ao to the version that wrote it.")
        case .corrupt:
            return AOError(.databaseCorrupt, "\(error.context): \(error.message).",
                           hint: "Run 'git ao doctor'; move the damaged file aside to start over (sessions' worktrees and branches are not affected).")
        case .busy:
            return AOError(.databaseBusy, "\(error.context): another process held the state database too long.",
                           hint: "Retry in a moment; if it persists, look for a stuck git-ao process.")
        case .readOnly:
            return AOError(.databaseFailed, "\(error.description); reading commands (status, show, events) still answer, but this one must write.",
                           hint: "Run 'git ao doctor': it names each file in ao/ this user cannot write and the chmod or chown that fixes it.")
        default:
            return AOError(.databaseFailed, error.description, hint: "Run 'git ao doctor' to check the state database.")
        }
    }

    // MARK: Commands

    static func sessionIDTaken(_ id: String) -> AOError {
        AOError(.spawnFailed, "session id \(id) was taken at the same moment by another spawn.", hint: "Run the command again.")
    }

    static func notMarkedSpawned(_ id: String, reason: String) -> AOError {
        AOError(.spawnFailed, "session \(id) could not be marked spawned: \(reason).", hint: "Run 'git ao doctor'.")
    }

    static func attachFailed(_ failure: String, session: String) -> AOError {
        AOError(.runtimeFailed, "could not run tmux to attach: \(failure)", hint: "Check that tmux runs (tmux -V), then: git ao attach \(session)")
    }

    static func promptFileUnreadable(_ path: String) -> AOError {
        AOError(.invalidArgument, "cannot read the prompt file '\(path)'.", hint: "Check the path and its permissions.")
    }

    static func notUTF8(_ what: String) -> AOError {
        AOError(.invalidArgument, "the \(what) is not valid UTF-8 text.", hint: "Convert it first, e.g. iconv -t UTF-8.")
    }

    static func promptHasNUL() -> AOError {
        AOError(.invalidArgument, "the prompt contains a NUL byte, which no program argument can carry.", hint: "Remove it and retry.")
    }

    static func noFreeSessionID() -> AOError {
        AOError(.spawnFailed, "could not find an unused session id.", hint: "Run 'git ao cleanup' and retry.")
    }

    static func attachNeedsTerminal(tmuxName: String, socket: String) -> AOError {
        AOError(.invalidArgument, "attach needs a terminal, and standard input or output is not one.",
                hint: "Run it from an interactive shell, or read the screen with: tmux -S \(shellQuoted(socket)) capture-pane -p -t =\(tmuxName):")
    }

    static func attachFromOtherServer(_ id: String, socket: String, current: String) -> AOError {
        AOError(.invalidArgument, "session \(id) runs on the tmux server at \(socket), and this terminal is inside another one (\(current)).",
                hint: "Detach from this tmux first (prefix key, then d) and run git ao attach \(id) again.")
    }

    static func emptyMessage() -> AOError {
        AOError(.invalidArgument, "the message is empty.", hint: "Pass the text to send, or '-' to read it from standard input.")
    }

    static func hooksNotWritable(_ failure: String, directory: String) -> AOError {
        AOError(.ioFailed, failure, hint: "Check that \(directory) is writable.")
    }

    static func hookConflict(_ names: [String], directory: String) -> AOError {
        AOError(.hookConflict, "\(names.joined(separator: ", ")) in \(directory) could not be installed: a hook and a '.ao-chained' copy are both there and neither is git-ao's.",
                hint: "Merge or remove one of them by hand, then run git ao hooks install again.")
    }

    static func hookEdited(_ names: [String], directory: String, uninstalling: Bool) -> AOError {
        AOError(.hookConflict, "\(names.joined(separator: ", ")) in \(directory) \(names.count == 1 ? "is" : "are") git-ao's hook with edits made by hand; \(uninstalling ? "kept, not removed" : "kept, not rewritten").",
                hint: "Move your lines to a hook of your own (or delete the file if you do not need them), then run git ao hooks \(uninstalling ? "uninstall" : "install") again.")
    }

    static func worktreeOnOtherBranch(_ path: String, holds: String?, expected: String) -> AOError {
        AOError(.branchCheckedOutElsewhere, "the worktree '\(path)' now has '\(holds ?? "a detached HEAD")' checked out, not '\(expected)'.",
                hint: "Switch it back (git -C '\(path)' switch \(expected)) and retry.")
    }

    static func branchGoneNoArchive(_ id: String, branch: String, archive: String) -> AOError {
        AOError(.sessionIncompleteHandle, "session \(id)'s branch '\(branch)' no longer exists and there is no \(archive) to rebuild it from.",
                hint: "Start a fresh session instead: git ao spawn --branch <branch>")
    }

    static func cannotChangeDirectory(_ path: String) -> AOError {
        AOError(.invalidArgument, "cannot change to '\(path)'.", hint: "Check that the folder exists.")
    }

    static func usage(_ message: String, command: String? = nil) -> AOError {
        var text = message.trimmingSpaces
        if text.hasPrefix("Error: ") { text = String(text.dropFirst("Error: ".count)) }
        return AOError(.invalidArgument, text, hint: "See: git ao \(command.map { "\($0) " } ?? "")--help")
    }

    static func unknownCommand(_ word: String, commands: [String]) -> AOError {
        let guess = NameSuggestion.closest(to: word, among: commands).map { "Did you mean 'git ao \($0)'? " } ?? ""
        return AOError(.invalidArgument, "'\(displaySafe(word))' is not a git ao command.",
                       hint: "\(guess)The commands are: \(commands.joined(separator: ", ")). See: git ao --help")
    }

    /// The hint of AGENT_EXITED once the undone spawn removed the worktree the agent ran in.
    static let agentExitedWorktreeRemoved =
        "Run the agent's command yourself, from this repository's folder, to see why (a missing login or API key, an unknown option); the session's worktree was removed with the undone spawn."

    static func agentNotReady(_ agent: String, seconds: Int, key: String) -> AOError {
        AOError(.spawnFailed, "agent '\(agent)' was not ready for its prompt within \(seconds) s.",
                hint: "Raise \(key), or set ao.agent.\(agent).readyPattern to text its prompt shows.")
    }
}

import Store
import Worktree

/// Every user-facing error, in one place: the sentence names what is involved, the hint says
/// what to run next.
enum Messages {
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

    static func gitMissing() -> AOError {
        AOError(.runtimePrerequisiteMissing, "the git program was not found on PATH.",
                hint: "Install git (apt-get install git) or fix PATH.")
    }

    static func libgit2Missing(_ error: GitError) -> AOError {
        AOError(.runtimePrerequisiteMissing, "libgit2 could not be loaded (\(error.message)).",
                hint: "Install it: apt-get install libgit2-1.5 (or re-run ./install.sh).")
    }

    static func configUnreadable(_ stderr: String) -> AOError {
        AOError(.invalidConfig, "git could not read its configuration: \(stderr.trimmingSpaces)",
                hint: "Fix the file git names above (git config --edit), then retry.")
    }

    static func invalidConfig(key: String, value: String, expected: String) -> AOError {
        AOError(.invalidConfig, "git config '\(key)' is '\(value)', which is not \(expected).",
                hint: "Change it with: git config \(key) <value>   (or unset it: git config --unset \(key))")
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

    static func noDefaultBase() -> AOError {
        AOError(.baseNotFound, "no base to branch from: there is no origin/HEAD, no origin/main, and HEAD is detached.",
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

    static func unknownAgent(_ name: String, known: [String]) -> AOError {
        AOError(.unknownAgent, "no agent is called '\(name)'.",
                hint: "Use one of: \(known.joined(separator: ", ")); or define it: git config ao.agent.\(name).command '<program> {prompt}'")
    }

    static func agentCommandInvalid(_ agent: String, key: String, reason: String) -> AOError {
        AOError(.agentCommandInvalid, "the command of agent '\(agent)' (\(key)) cannot be used: \(reason).",
                hint: "Fix it: git config \(key) '<program> <args> {prompt}'")
    }

    static func agentTakesNoPrompt(_ agent: String) -> AOError {
        AOError(.agentTakesNoPrompt, "agent '\(agent)' is an interactive shell and takes no prompt (typing one into a shell would run it as a command).",
                hint: "Drop the prompt, or pick an agent with --agent.")
    }

    static func agentBinaryNotFound(_ agent: String, program: String) -> AOError {
        AOError(.agentBinaryNotFound, "agent '\(agent)' needs the program '\(program)', which is not on PATH.",
                hint: "Install it, fix PATH, or pick another agent with --agent (git ao doctor lists them).")
    }

    static func tmuxMissing() -> AOError {
        AOError(.runtimePrerequisiteMissing, "tmux was not found on PATH; git-ao runs every agent in a tmux session.",
                hint: "Install it: apt-get install tmux")
    }

    static func runtimeFailed(_ what: String, _ detail: String) -> AOError {
        AOError(.runtimeFailed, "tmux could not \(what): \(detail.trimmingSpaces)",
                hint: "Check the tmux server (tmux list-sessions), then retry.")
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

    static func sessionNotRunning(_ id: String, reason: String?) -> AOError {
        AOError(.sessionNotRunning, "session \(id) has ended\(reason.map { " (\($0))" } ?? "").",
                hint: "Bring it back with: git ao restore \(id)")
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

    static func interrupted(_ what: String) -> AOError {
        AOError(.interrupted, "\(what) was interrupted.", hint: "Nothing was left behind; run the command again when ready.")
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
        default:
            return AOError(.databaseFailed, error.description, hint: "Run 'git ao doctor' to check the state database.")
        }
    }
}

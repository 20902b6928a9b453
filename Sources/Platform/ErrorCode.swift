/// Every error a user can see has one of these stable codes. Scripts match on the code (in
/// `--json` output) or on the exit status, which comes from the single table below.
package enum ErrorCode: String, CaseIterable, Sendable {
    // Input: the command line or configuration asks for something impossible.
    case invalidArgument = "INVALID_ARGUMENT"
    case invalidBranch = "INVALID_BRANCH"
    case invalidConfig = "INVALID_CONFIG"
    case unknownAgent = "UNKNOWN_AGENT"
    case agentCommandInvalid = "AGENT_COMMAND_INVALID"
    case agentTakesNoPrompt = "AGENT_TAKES_NO_PROMPT"
    case confirmationRequired = "CONFIRMATION_REQUIRED"
    case intakeUnscoped = "INTAKE_UNSCOPED"

    // Not found.
    case sessionNotFound = "SESSION_NOT_FOUND"
    case sessionAmbiguous = "SESSION_AMBIGUOUS"
    case baseNotFound = "BASE_NOT_FOUND"
    case branchNotFetched = "BRANCH_NOT_FETCHED"
    case prNotFound = "PR_NOT_FOUND"
    case reviewRunNotFound = "REVIEW_RUN_NOT_FOUND"
    case issueNotFound = "ISSUE_NOT_FOUND"

    // Conflicts with the state of the repository or of a session.
    case branchCheckedOutElsewhere = "BRANCH_CHECKED_OUT_ELSEWHERE"
    case branchAmbiguous = "BRANCH_AMBIGUOUS"
    case worktreePathExists = "WORKTREE_PATH_EXISTS"
    case worktreeRootInsideWorktree = "WORKTREE_ROOT_INSIDE_WORKTREE"
    case nameInUse = "NAME_IN_USE"
    case sessionNotRestorable = "SESSION_NOT_RESTORABLE"
    case sessionIncompleteHandle = "SESSION_INCOMPLETE_HANDLE"
    /// A command for ended sessions (cleanup --discard) was given a live one.
    case sessionLive = "SESSION_LIVE"
    /// A worktree holds uncommitted changes that the command would lose.
    case worktreeDirty = "WORKTREE_DIRTY"
    case sessionNotRunning = "SESSION_NOT_RUNNING"
    case sessionAwaitingDecision = "SESSION_AWAITING_DECISION"
    case agentBusy = "AGENT_BUSY"
    case watchAlreadyRunning = "WATCH_ALREADY_RUNNING"
    case hookConflict = "HOOK_CONFLICT"
    case portRangeExhausted = "PORT_RANGE_EXHAUSTED"
    case prNotOpen = "PR_NOT_OPEN"
    case prClaimedByActiveSession = "PR_CLAIMED_BY_ACTIVE_SESSION"
    case reviewAlreadySubmitted = "REVIEW_ALREADY_SUBMITTED"
    /// The command reviewer did not approve a landing (git ao merge).
    case reviewFailed = "REVIEW_FAILED"
    case reviewRunStale = "REVIEW_RUN_STALE"
    case reviewRunIsCommand = "REVIEW_RUN_IS_COMMAND"
    case noReviewer = "NO_REVIEWER"
    case issueNotOpen = "ISSUE_NOT_OPEN"
    case issueHasLiveSession = "ISSUE_HAS_LIVE_SESSION"
    case intakeDisabled = "INTAKE_DISABLED"
    /// Landing a session's commits on its base conflicts (git ao merge).
    case mergeConflict = "MERGE_CONFLICT"
    /// The worktree that has the base branch checked out has uncommitted changes.
    case baseDirty = "BASE_DIRTY"
    /// The agent is working; landing now would take half its work.
    case sessionBusy = "SESSION_BUSY"
    /// The session's branch has no commit its base lacks.
    case nothingToMerge = "NOTHING_TO_MERGE"
    /// GitHub will not merge the pull request (its 405), or its CI or reviews do not allow it yet.
    case prNotMergeable = "PR_NOT_MERGEABLE"
    /// The pull request's head is not the commit the merge expected (GitHub's 409).
    case prHeadMoved = "PR_HEAD_MOVED"
    /// The base branch moved while the landing was computed and tested.
    case baseMoved = "BASE_MOVED"

    // The repository itself.
    case notAGitRepository = "NOT_A_GIT_REPOSITORY"
    case repoHasNoCommits = "REPO_HAS_NO_COMMITS"
    case unsafeRepository = "UNSAFE_REPOSITORY"

    // The machine lacks something.
    case agentBinaryNotFound = "AGENT_BINARY_NOT_FOUND"
    case runtimePrerequisiteMissing = "RUNTIME_PREREQUISITE_MISSING"

    // The state database.
    case databaseTooNew = "DATABASE_TOO_NEW"
    case databaseCorrupt = "DATABASE_CORRUPT"
    case databaseBusy = "DATABASE_BUSY"

    // An operation ran and failed.
    case spawnFailed = "SPAWN_FAILED"
    case setupFailed = "SETUP_FAILED"
    case deliveryNotConfirmed = "DELIVERY_NOT_CONFIRMED"
    case agentAskedAQuestion = "AGENT_ASKED_A_QUESTION"
    case runtimeFailed = "RUNTIME_FAILED"
    /// A session's tmux server could not be asked; the agent may still run there.
    case runtimeUnreachable = "RUNTIME_UNREACHABLE"
    /// The agent program started and exited at once.
    case agentExited = "AGENT_EXITED"
    case gitFailed = "GIT_FAILED"
    case githubUnavailable = "GITHUB_UNAVAILABLE"
    case databaseFailed = "DATABASE_FAILED"
    case ioFailed = "IO_FAILED"
    case interrupted = "INTERRUPTED"

    /// The exit status for this code. Documented in git-ao(1), EXIT STATUS.
    package var exitStatus: ExitStatus {
        switch self {
        case .spawnFailed, .setupFailed, .agentAskedAQuestion, .deliveryNotConfirmed, .runtimeFailed, .runtimeUnreachable, .agentExited,
             .gitFailed, .databaseFailed, .ioFailed, .githubUnavailable, .reviewFailed:
            return .failed
        case .sessionNotFound, .sessionAmbiguous, .baseNotFound, .branchNotFetched, .prNotFound, .reviewRunNotFound, .issueNotFound:
            return .notFound
        case .branchCheckedOutElsewhere, .branchAmbiguous, .worktreePathExists, .worktreeRootInsideWorktree,
             .nameInUse, .sessionNotRestorable, .sessionIncompleteHandle, .sessionLive, .worktreeDirty, .sessionNotRunning, .sessionAwaitingDecision, .agentBusy,
             .watchAlreadyRunning, .hookConflict, .portRangeExhausted, .prNotOpen, .prClaimedByActiveSession, .reviewAlreadySubmitted, .reviewRunStale, .reviewRunIsCommand, .noReviewer,
             .issueNotOpen, .issueHasLiveSession, .intakeDisabled, .mergeConflict, .baseDirty, .sessionBusy, .nothingToMerge, .baseMoved,
             .prNotMergeable, .prHeadMoved:
            return .conflict
        case .notAGitRepository, .repoHasNoCommits, .unsafeRepository:
            return .repository
        case .agentBinaryNotFound, .runtimePrerequisiteMissing:
            return .prerequisite
        case .databaseTooNew, .databaseCorrupt, .databaseBusy:
            return .database
        case .invalidArgument, .invalidBranch, .invalidConfig, .unknownAgent, .agentCommandInvalid,
             .agentTakesNoPrompt, .confirmationRequired, .intakeUnscoped:
            return .usage
        case .interrupted:
            return .interrupted
        }
    }
}

/// The exit status table, the only place exit numbers are chosen.
package enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    /// The operation ran and did not succeed (nothing was left half-done).
    case failed = 1
    /// `doctor` found problems.
    case problemsFound = 2
    /// A session, base or branch named on the command line does not exist.
    case notFound = 3
    /// The request conflicts with the state of the repository or the session.
    case conflict = 4
    /// Not a usable git repository.
    case repository = 5
    /// A program git-ao needs (tmux, libgit2, the agent) is missing.
    case prerequisite = 6
    /// The state database cannot be used by this version.
    case database = 7
    /// Bad arguments or configuration (the same status ArgumentParser uses, EX_USAGE).
    case usage = 64
    /// Interrupted by a signal; whatever was started has been undone.
    case interrupted = 130

    package var summary: String {
        switch self {
        case .success: return "success"
        case .failed: return "the operation failed; nothing was left half-done"
        case .problemsFound: return "doctor found problems"
        case .notFound: return "a session, base or branch named does not exist"
        case .conflict: return "the request conflicts with the state of the repository or session"
        case .repository: return "not a usable git repository"
        case .prerequisite: return "a program git-ao needs (tmux, libgit2, the agent) is missing"
        case .database: return "the state database cannot be used by this version"
        case .usage: return "bad arguments or configuration"
        case .interrupted: return "interrupted; what was started has been undone"
        }
    }
}

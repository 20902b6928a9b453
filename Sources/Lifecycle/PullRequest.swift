/// The pull-request facts the forge reports, as the domain sees them. Forge maps GitHub's wire
/// values to these; the reducer and display status reason only about these.

/// One check (a check run or a legacy commit status), mapped from GitHub's conclusion.
public enum CheckOutcome: String, CaseIterable, Sendable {
    case passed, failed, cancelled, skipped, queued
    case inProgress = "in_progress"

    /// The table: success/neutral pass; failure, timed_out, action_required and
    /// startup_failure fail; cancelled; skipped/stale; no conclusion yet is queued or running.
    public static func from(status: String?, conclusion: String?) -> CheckOutcome {
        switch conclusion {
        case "success", "neutral": return .passed
        case "failure", "timed_out", "action_required", "startup_failure": return .failed
        case "cancelled": return .cancelled
        case "skipped", "stale": return .skipped
        default: return status == "in_progress" ? .inProgress : .queued
        }
    }

    /// A legacy commit status (`success`, `pending`, `failure`, `error`).
    public static func fromLegacy(state: String?) -> CheckOutcome {
        switch state {
        case "success": return .passed
        case "failure", "error": return .failed
        default: return .inProgress
        }
    }
}

/// All of a commit's checks as one state.
public enum CIState: String, CaseIterable, Sendable {
    case none, pending, passing, failing

    /// Any failed or cancelled check fails the commit (GitHub blocks a merge on both); else any
    /// check still running keeps it pending; else it passes. No check at all is `none`.
    public static func rollUp(_ outcomes: [CheckOutcome]) -> CIState {
        if outcomes.isEmpty { return .none }
        if outcomes.contains(where: { $0 == .failed || $0 == .cancelled }) { return .failing }
        if outcomes.contains(where: { $0 == .queued || $0 == .inProgress }) { return .pending }
        return .passing
    }
}

public enum ReviewDecision: String, CaseIterable, Sendable {
    case none
    case approved
    case changesRequested = "changes_requested"
    case reviewRequired = "review_required"
}

/// Whether GitHub can merge the pull request into its base.
public enum Mergeability: String, CaseIterable, Sendable {
    /// GitHub is still computing (mergeable = null): never read as a conflict.
    case unknown
    case mergeable
    case conflicting
    case blocked
    case unstable
    case behind

    /// The mapping of `mergeable` and `mergeable_state`.
    public static func from(mergeable: Bool?, state: String?) -> Mergeability {
        if state == "dirty" { return .conflicting }
        guard let mergeable else { return .unknown }
        switch state {
        case "clean", "has_hooks": return mergeable ? .mergeable : .unknown
        case "blocked": return .blocked
        case "unstable": return .unstable
        case "behind": return .behind
        default: return .unknown
        }
    }
}

/// How `git ao merge` puts a session's commits on its base (`ao.merge.method`).
public enum MergeMethod: String, CaseIterable, Sendable, Codable {
    /// Each commit replayed on the base: a linear history, authors kept (the default).
    case rebase
    /// One commit holding the whole change.
    case squash
    /// A merge commit, even when a fast-forward would do.
    case noFF = "no-ff"
}

/// Why a landing is refused before anything changes. Each maps to one error code.
public enum LandingRefusal: Equatable, Sendable {
    /// The branch has no commit the base lacks.
    case nothingToMerge
    /// The agent is working (its activity is active), and `--force` was not given.
    case sessionBusy
    /// The worktree that has the base branch checked out has uncommitted changes to tracked files.
    case baseDirty(worktree: String, modified: Int)
    /// Putting the commits on the base conflicts on these paths.
    case conflict(paths: [String])
    /// The command reviewer did not approve the landed result.
    case reviewFailed(status: String)
}

/// What is known about a session and its base before the landing is computed.
public struct LandingFacts: Equatable, Sendable {
    public var commitsAhead: Int
    public var activity: Activity?
    public var terminated: Bool
    public var force: Bool
    /// The worktree holding the base branch, and its tracked modifications; nil when no worktree has it.
    public var baseWorktree: (path: String, modified: Int)?

    public init(commitsAhead: Int, activity: Activity?, terminated: Bool, force: Bool, baseWorktree: (path: String, modified: Int)?) {
        self.commitsAhead = commitsAhead
        self.activity = activity
        self.terminated = terminated
        self.force = force
        self.baseWorktree = baseWorktree
    }

    public static func == (a: LandingFacts, b: LandingFacts) -> Bool {
        a.commitsAhead == b.commitsAhead && a.activity == b.activity && a.terminated == b.terminated && a.force == b.force
            && a.baseWorktree?.path == b.baseWorktree?.path && a.baseWorktree?.modified == b.baseWorktree?.modified
    }
}

/// The record of a landing in flight (`<common-dir>/ao/run/merge-<id>.json`), written before the
/// base moves, so a landing killed at any point is completed or restarted by the next run.
public struct LandingJournal: Equatable, Sendable, Codable {
    public enum Step: String, Sendable, Codable, CaseIterable {
        /// The new tip is computed (and held by `refs/ao/landing/<id>`), tested or not yet.
        case computed
        /// The base was moved to the new tip; what follows (files, clean-up) may still be due.
        case baseMoved = "base_moved"
    }

    public var session: String
    /// The branch that moves (`main`), without `refs/heads/`.
    public var base: String
    public var oldBase: String
    public var newTip: String
    /// The session branch's tip the landing was computed from.
    public var sessionTip: String
    public var method: MergeMethod
    public var step: Step
    /// Keep the worktree and branch afterwards (`--keep`).
    public var keep: Bool

    public init(session: String, base: String, oldBase: String, newTip: String, sessionTip: String, method: MergeMethod, step: Step, keep: Bool) {
        self.session = session
        self.base = base
        self.oldBase = oldBase
        self.newTip = newTip
        self.sessionTip = sessionTip
        self.method = method
        self.step = step
        self.keep = keep
    }
}

/// What a `git ao merge` finding a journal does next.
public enum LandingResume: Equatable, Sendable {
    /// No landing in flight: start one.
    case start
    /// The base already holds the landing: finish it (the base's files, then the clean-up).
    case finish(LandingJournal)
    /// The landing never reached the base, or its ground moved: forget it and start again.
    case restart(reason: String)
}

/// A session's place in `git ao merge --ready`.
public enum QueueVerdict: Equatable, Sendable {
    case ready
    case notReady(reason: String)
}

/// The rules of landing, kept free of IO so each is a table test.
public enum LandingRules {
    /// The refusal known before computing anything, in the order a user fixes them: nothing to
    /// land at all first, then the agent's own state, then the base's worktree.
    public static func refusal(_ facts: LandingFacts) -> LandingRefusal? {
        if facts.commitsAhead == 0 { return .nothingToMerge }
        if !facts.terminated, !facts.force, facts.activity == .active { return .sessionBusy }
        if let worktree = facts.baseWorktree, worktree.modified > 0 { return .baseDirty(worktree: worktree.path, modified: worktree.modified) }
        return nil
    }

    /// Which step comes next, given the journal of an earlier run and the refs as they are now.
    /// The base moved in one compare-and-swap, so it is either at the journal's old base (the
    /// landing never happened), at its new tip (it did), or somewhere else (someone else moved it).
    public static func resume(_ journal: LandingJournal?, baseNow: String?, sessionTipNow: String?) -> LandingResume {
        guard let journal else { return .start }
        if baseNow == journal.newTip { return .finish(journal) }
        if journal.step == .baseMoved {
            // Recorded as moved but the base is elsewhere: moved on by another landing or by hand
            // after ours completed; only the clean-up can still be due.
            return .finish(journal)
        }
        if baseNow == journal.oldBase, sessionTipNow == journal.sessionTip {
            return .restart(reason: "the landing was interrupted before the base moved")
        }
        if baseNow != journal.oldBase { return .restart(reason: "the base moved since the interrupted landing") }
        return .restart(reason: "the session's branch moved since the interrupted landing")
    }

    /// Whether the queue (`--ready`) takes a session: its latest review approved, no predicted
    /// conflict, not working, and something to land.
    public static func queueVerdict(terminated: Bool, activity: Activity?, latestReview: String?, predictedConflict: Bool, commitsAhead: Int) -> QueueVerdict {
        if commitsAhead == 0 { return .notReady(reason: "nothing to merge") }
        if !terminated, activity == .active { return .notReady(reason: "the agent is working") }
        if predictedConflict { return .notReady(reason: "a conflict with the base is predicted") }
        switch latestReview {
        case "approved"?: return .ready
        case nil: return .notReady(reason: "no review has approved it")
        case let other?: return .notReady(reason: "its latest review is \(String(other.map { $0 == "_" ? " " : $0 }))")
        }
    }
}

extension LandingRules {
    /// Why an open pull request is not merged through GitHub, as last observed; nil when it may
    /// be. GitHub has the last word (its 405); this keeps a merge from being asked for at all
    /// while CI is red or running, or a reviewer asked for changes.
    public static func pullRequestRefusal(state: PRStatus.State, mergeability: Mergeability, ci: CIState, review: ReviewDecision) -> String? {
        switch state {
        case .draft: return "it is a draft"
        case .merged, .closed: return "it is \(state.rawValue)"
        case .open: break
        }
        switch ci {
        case .failing: return "its CI is failing"
        case .pending: return "its CI is still running"
        case .none, .passing: break
        }
        switch review {
        case .changesRequested: return "a reviewer requested changes"
        case .reviewRequired: return "a review is required"
        case .none, .approved: break
        }
        switch mergeability {
        case .conflicting: return "it conflicts with its base"
        case .blocked: return "GitHub reports it blocked"
        case .unknown, .mergeable, .unstable, .behind: return nil
        }
    }

    /// GitHub's merge_method for a method.
    public static func gitHubMethod(_ method: MergeMethod) -> String {
        switch method {
        case .rebase: return "rebase"
        case .squash: return "squash"
        case .noFF: return "merge"
        }
    }
}

extension LandingRules {
    /// Whether the queue tells an agent that its work failed the reviewer on the new base: once
    /// per commit (the tips it was already told about are given), and never an ended session's.
    public static func tellsReviewFailure(tip: String, alreadyToldTips: [String], terminated: Bool) -> Bool {
        !terminated && !alreadyToldTips.contains(tip)
    }
}

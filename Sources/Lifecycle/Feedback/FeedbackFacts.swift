/// What the feedback rules are told about one session's pull requests and its branch: only what
/// a rule needs (ids, outcomes, states), never the text. The text of a nudge is rendered by the
/// caller from the full facts, for the topics the rules chose.
public struct FeedbackFacts: Equatable, Sendable {
    public struct Check: Equatable, Sendable {
        public var name: String
        public var outcome: CheckOutcome
        /// As GitHub wrote it: a check failing again with another conclusion is news.
        public var conclusion: String
        /// The GitHub Actions job whose log the nudge carries; nil for other checks.
        public var job: Int64?

        public init(name: String, outcome: CheckOutcome, conclusion: String, job: Int64? = nil) {
            self.name = name
            self.outcome = outcome
            self.conclusion = conclusion
            self.job = job
        }
    }

    public struct Thread: Equatable, Sendable {
        public var id: String
        /// The newest comment's id: a thread is news again only with a newer comment.
        public var newestComment: Int64

        public init(id: String, newestComment: Int64) {
            self.id = id
            self.newestComment = newestComment
        }
    }

    public struct PullRequest: Equatable, Sendable {
        public var number: Int
        public var state: PRStatus.State
        public var head: String
        public var mergeability: Mergeability
        public var checks: [Check]
        /// False when the last thread query failed: `threads` is the last known list, and a
        /// thread missing from it is not taken as resolved.
        public var threadsKnown: Bool
        public var threads: [Thread]
        /// Reviews that request changes with a body of their own (their ids).
        public var changeRequests: [Int64]

        public init(number: Int, state: PRStatus.State, head: String, mergeability: Mergeability = .unknown, checks: [Check] = [],
                    threadsKnown: Bool = true, threads: [Thread] = [], changeRequests: [Int64] = []) {
            self.number = number
            self.state = state
            self.head = head
            self.mergeability = mergeability
            self.checks = checks
            self.threadsKnown = threadsKnown
            self.threads = threads
            self.changeRequests = changeRequests
        }

        public var isOpen: Bool { state == .open || state == .draft }
    }

    /// Every known pull request of the session (open, and merged or closed).
    public var pullRequests: [PullRequest]
    /// The latest local conflict prediction: true conflicting, false clean, nil none made.
    public var localConflict: Bool?

    public init(pullRequests: [PullRequest] = [], localConflict: Bool? = nil) {
        self.pullRequests = pullRequests
        self.localConflict = localConflict
    }

    public var open: [PullRequest] { pullRequests.filter(\.isOpen) }
}

/// A failed check on one commit.
public struct CheckKey: Hashable, Sendable, Comparable {
    public var head: String
    public var check: String

    public init(head: String, check: String) {
        self.head = head
        self.check = check
    }

    public static func < (a: CheckKey, b: CheckKey) -> Bool { (a.head, a.check) < (b.head, b.check) }
}

/// What was already told, and what is under way: the rules' memory of one session, as the store
/// keeps it between passes.
public struct FeedbackMemory: Equatable, Sendable {
    /// Failures queued to the agent, with the conclusion they were queued with.
    public var failures: [CheckKey: String]
    /// Failures that wait for their job's log, since when.
    public var logWaits: [CheckKey: Timestamp]
    /// Review threads queued, with the newest comment they carried.
    public var threads: [String: Int64]
    /// Change-request review bodies queued.
    public var reviewBodies: Set<Int64>
    /// Review-feedback nudges queued per pull request (towards the cap).
    public var reviewNudges: [Int: Int]
    /// Pull requests whose review cap was reached and the human told.
    public var reviewCapped: Set<Int>
    /// The open conflict episode, by what saw it first; nil when none is open.
    public var conflict: ConflictSource?

    public init(failures: [CheckKey: String] = [:], logWaits: [CheckKey: Timestamp] = [:], threads: [String: Int64] = [:],
                reviewBodies: Set<Int64> = [], reviewNudges: [Int: Int] = [:], reviewCapped: Set<Int> = [],
                conflict: ConflictSource? = nil) {
        self.failures = failures
        self.logWaits = logWaits
        self.threads = threads
        self.reviewBodies = reviewBodies
        self.reviewNudges = reviewNudges
        self.reviewCapped = reviewCapped
        self.conflict = conflict
    }
}

public enum ConflictSource: String, Sendable, CaseIterable {
    case local, github
}

/// A nudge waiting in the outbox, as the rules see it.
public struct PendingNudge: Equatable, Sendable {
    public var id: Int64
    public var reason: NudgeReason

    public init(id: Int64, reason: NudgeReason) {
        self.id = id
        self.reason = reason
    }
}

/// Whether a job's log could be read this pass.
public enum LogFetch: Equatable, Sendable {
    case fetched
    /// It failed (a 5xx, a 404 before the job ended, a network error).
    case failed
}

/// A nudge the rules decided to queue: what it is about, for the caller to render.
public enum FeedbackNudge: Equatable, Sendable {
    /// Checks failed on `head` (in the pull requests `prs`). A check without a log is told so.
    case ciFailure(head: String, prs: [Int], checks: [FailedCheck])
    /// Review threads and change-request bodies on pull request `pr`.
    case reviewFeedback(pr: Int, threads: [String], bodies: [Int64])
    /// The branch conflicts with its base (`prs`: the open pull requests GitHub says conflict).
    case conflict(prs: [Int], source: ConflictSource)

    public struct FailedCheck: Equatable, Sendable {
        public var name: String
        public var conclusion: String
        public var job: Int64?
        /// True when its job's log is to be carried; false when the log could not be read within
        /// `FeedbackRules.logWait` (the nudge says so) or the check has none.
        public var withLog: Bool

        public init(name: String, conclusion: String, job: Int64?, withLog: Bool) {
            self.name = name
            self.conclusion = conclusion
            self.job = job
            self.withLog = withLog
        }
    }

    public var reason: NudgeReason {
        switch self {
        case .ciFailure(let head, _, let checks): return NudgeReason(checks.map { .ciFailure(head: head, check: $0.name) })
        case .reviewFeedback(let pr, let threads, let bodies):
            return NudgeReason(threads.map { .reviewThread(pr: pr, id: $0) } + bodies.map { .reviewBody(pr: pr, id: $0) })
        case .conflict: return NudgeReason([.conflictEpisode])
        }
    }
}

/// A message for the human.
public struct FeedbackNotice: Equatable, Sendable {
    public var kind: NotificationKind
    public var message: String

    public init(kind: NotificationKind, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// What the rules decided for one session in one pass. The store persists it in one
/// transaction: the new memory, the withdrawn nudges, the new nudges and notices.
public struct FeedbackDecision: Equatable, Sendable {
    public var memory: FeedbackMemory
    /// Pending nudges to withdraw (their fact changed or ended before delivery).
    public var supersede: [Int64]
    public var nudges: [FeedbackNudge]
    public var notices: [FeedbackNotice]

    public init(memory: FeedbackMemory, supersede: [Int64] = [], nudges: [FeedbackNudge] = [], notices: [FeedbackNotice] = []) {
        self.memory = memory
        self.supersede = supersede
        self.nudges = nudges
        self.notices = notices
    }
}

import Lifecycle
import Platform

/// One review of one commit of a session, by one reviewer.
public struct ReviewRun: Equatable, Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case running, complete, delivered, failed, cancelled, superseded
    }

    public enum Verdict: String, Sendable, CaseIterable {
        case approved
        case changesRequested = "changes_requested"
    }

    public let id: Int64
    public let sessionID: SessionID
    /// `agent:<name>` or `command`.
    public let reviewer: String
    public let branch: String
    public let targetSHA: String
    public let baseSHA: String
    public let status: Status
    public let verdict: Verdict?
    public let body: String?
    /// Why a verdict was not delivered (stale, cap), or why the run failed.
    public let note: String?
    public let logPath: String?
    public let worktreePath: String?
    /// A command reviewer's process group, while it runs.
    public let processGroup: Int32?
    public let createdAt: Timestamp
    public let updatedAt: Timestamp
    public let completedAt: Timestamp?
    public let deliveredAt: Timestamp?

    /// Whether the run still waits for its verdict.
    public var isRunning: Bool { status == .running }
}

/// Why the store refused to record a verdict.
public enum ReviewVerdictRefusal: Error, Equatable, Sendable {
    case notFound(Int64)
    /// The run was superseded, cancelled or failed.
    case stale(ReviewRun.Status)
    /// It already holds another verdict or body.
    case alreadySubmitted(ReviewRun.Verdict)
}

/// What recording a verdict came to.
public struct RecordedVerdict: Sendable {
    public let run: ReviewRun
    /// False when the same verdict and body were submitted again: nothing changed.
    public let changed: Bool
}

/// How a recorded `changes_requested` verdict reaches the worker, decided in the transaction
/// that records it: the text of the nudge, and the cap of delivered nudges.
public struct ReviewDeliveryPolicy: Sendable {
    public let cap: Int
    public let nudgeText: @Sendable (ReviewRun) -> String
    public let capMessage: @Sendable (ReviewRun) -> String

    public init(cap: Int, nudgeText: @escaping @Sendable (ReviewRun) -> String, capMessage: @escaping @Sendable (ReviewRun) -> String) {
        self.cap = cap
        self.nudgeText = nudgeText
        self.capMessage = capMessage
    }

    /// The outbox reason of a review nudge names its run, so delivery can re-check it.
    public static func reason(run id: Int64) -> String { NudgeReason([.reviewRun(id)]).encoded }
}

extension StateStore {
    private static let runColumns = "id, session_id, reviewer, branch, target_sha, base_sha, status, verdict, body, note, log_path, worktree_path, process_group, created_at, updated_at, completed_at, delivered_at"

    private func readRuns(_ sql: String, _ values: [SQLValue]) throws -> [ReviewRun] {
        let rows = try connection.prepare("SELECT \(StateStore.runColumns) FROM review_run " + sql)
        try rows.bind(values)
        var runs: [ReviewRun] = []
        while try rows.step() {
            runs.append(ReviewRun(
                id: rows.int(0), sessionID: SessionID(rows.text(1) ?? ""), reviewer: rows.text(2) ?? "", branch: rows.text(3) ?? "",
                targetSHA: rows.text(4) ?? "", baseSHA: rows.text(5) ?? "",
                status: rows.text(6).flatMap(ReviewRun.Status.init(rawValue:)) ?? .failed,
                verdict: rows.text(7).flatMap(ReviewRun.Verdict.init(rawValue:)), body: rows.text(8), note: rows.text(9),
                logPath: rows.text(10), worktreePath: rows.text(11), processGroup: rows.optionalInt(12).map { Int32(truncatingIfNeeded: $0) },
                createdAt: Timestamp(milliseconds: rows.int(13)), updatedAt: Timestamp(milliseconds: rows.int(14)),
                completedAt: rows.optionalInt(15).map(Timestamp.init(milliseconds:)), deliveredAt: rows.optionalInt(16).map(Timestamp.init(milliseconds:))))
        }
        return runs
    }

    /// Runs, oldest first; of one session when given.
    public func reviewRuns(session: SessionID? = nil) throws -> [ReviewRun] {
        if let session { return try readRuns("WHERE session_id = ? ORDER BY id", [.text(session.rawValue)]) }
        return try readRuns("ORDER BY id", [])
    }

    /// Every run still running, oldest first (a partial index keeps this cheap for every pass).
    public func runningReviewRuns() throws -> [ReviewRun] {
        try readRuns("WHERE status = 'running' ORDER BY id", [])
    }

    public func reviewRun(_ id: Int64) throws -> ReviewRun? {
        try readRuns("WHERE id = ?", [.int(id)]).first
    }

    // MARK: Per-session reviewer

    public func setReviewAgentOverride(_ agent: String?, for session: SessionID) throws {
        try connection.immediateTransaction {
            if let agent {
                try connection.prepare("INSERT INTO review_override (session_id, agent) VALUES (?, ?) ON CONFLICT(session_id) DO UPDATE SET agent = excluded.agent")
                    .run([.text(session.rawValue), .text(agent)])
            } else {
                try connection.prepare("DELETE FROM review_override WHERE session_id = ?").run([.text(session.rawValue)])
            }
        }
    }

    public func reviewAgentOverride(for session: SessionID) throws -> String? {
        let rows = try connection.prepare("SELECT agent FROM review_override WHERE session_id = ?")
        try rows.bind([.text(session.rawValue)])
        return try rows.step() ? rows.text(0) : nil
    }

    // MARK: Debounce

    /// Records `sha` as the latest commit to review for (session, reviewer), claimed by `token`.
    /// A later claim replaces it: only the process holding the last claim goes on.
    public func claimReviewTrigger(session: SessionID, reviewer: String, sha: String, token: String, at now: Timestamp) throws {
        try connection.immediateTransaction {
            try connection.prepare("""
                INSERT INTO review (session_id, reviewer, pending_sha, pending_token, pending_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(session_id, reviewer) DO UPDATE SET pending_sha = excluded.pending_sha,
                    pending_token = excluded.pending_token, pending_at = excluded.pending_at
                """).run([.text(session.rawValue), .text(reviewer), .text(sha), .text(token), .int(now.milliseconds), .int(now.milliseconds)])
        }
    }

    /// Takes the claim back when it is still `token`'s, returning the sha to review; nil when a
    /// later commit claimed it since.
    public func takeReviewTrigger(session: SessionID, reviewer: String, token: String) throws -> String? {
        try connection.immediateTransaction {
            let rows = try connection.prepare("SELECT pending_sha FROM review WHERE session_id = ? AND reviewer = ? AND pending_token = ?")
            try rows.bind([.text(session.rawValue), .text(reviewer), .text(token)])
            guard try rows.step(), let sha = rows.text(0) else { return nil }
            try connection.prepare("UPDATE review SET pending_sha = NULL, pending_token = NULL WHERE session_id = ? AND reviewer = ?")
                .run([.text(session.rawValue), .text(reviewer)])
            return sha
        }
    }

    /// Every claim still waiting for its debounce window to close: (session, reviewer, sha,
    /// token, when claimed). A claim whose process died is found here (see ReviewWatchdog).
    public func pendingReviewClaims() throws -> [(session: SessionID, reviewer: String, sha: String, token: String, at: Timestamp)] {
        let rows = try connection.prepare("SELECT session_id, reviewer, pending_sha, pending_token, pending_at FROM review WHERE pending_token IS NOT NULL")
        var claims: [(session: SessionID, reviewer: String, sha: String, token: String, at: Timestamp)] = []
        while try rows.step() {
            guard let session = rows.text(0), let reviewer = rows.text(1), let sha = rows.text(2), let token = rows.text(3) else { continue }
            claims.append((SessionID(session), reviewer, sha, token, Timestamp(milliseconds: rows.optionalInt(4) ?? 0)))
        }
        return claims
    }

    // MARK: Runs

    public enum RunStart: Sendable {
        /// A new run, and the running runs for older commits it superseded.
        case started(ReviewRun, superseded: [ReviewRun])
        /// A running or approved run of the same sha by the same reviewer exists.
        case duplicate(ReviewRun)
    }

    /// Starts a run unless one for the same sha is running or approved (or, with `anyVerdict`, has
    /// any verdict: an automatic trigger never reviews a commit twice), superseding the running
    /// runs of other shas, in one transaction (the unique index backs this across processes).
    public func startReviewRun(session: SessionID, reviewer: String, branch: String, target: String, base: String, anyVerdict: Bool = false,
                               logPath: (Int64) -> String?, at now: Timestamp) throws -> RunStart {
        do {
            return try connection.immediateTransaction {
                let done = anyVerdict ? "verdict IS NOT NULL" : "verdict = 'approved'"
                let same = try readRuns("WHERE session_id = ? AND reviewer = ? AND target_sha = ? AND (status = 'running' OR \(done)) ORDER BY id DESC",
                                        [.text(session.rawValue), .text(reviewer), .text(target)])
                if let existing = same.first { return .duplicate(existing) }
                let older = try readRuns("WHERE session_id = ? AND reviewer = ? AND status = 'running' ORDER BY id",
                                         [.text(session.rawValue), .text(reviewer)])
                try connection.prepare("UPDATE review_run SET status = 'superseded', updated_at = ?, completed_at = ?, note = ? WHERE session_id = ? AND reviewer = ? AND status = 'running'")
                    .run([.int(now.milliseconds), .int(now.milliseconds), .text("superseded by a review of \(target.prefix(12))"), .text(session.rawValue), .text(reviewer)])
                try connection.prepare("INSERT OR IGNORE INTO review (session_id, reviewer, created_at) VALUES (?, ?, ?)")
                    .run([.text(session.rawValue), .text(reviewer), .int(now.milliseconds)])
                try connection.prepare("INSERT INTO review_run (session_id, reviewer, branch, target_sha, base_sha, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)")
                    .run([.text(session.rawValue), .text(reviewer), .text(branch), .text(target), .text(base), .int(now.milliseconds), .int(now.milliseconds)])
                let id = connection.lastInsertRowID
                if let log = logPath(id) {
                    try connection.prepare("UPDATE review_run SET log_path = ? WHERE id = ?").run([.text(log), .int(id)])
                }
                guard let run = try readRuns("WHERE id = ?", [.int(id)]).first else { throw StoreError(.other, "review run \(id) vanished") }
                return .started(run, superseded: older)
            }
        } catch let error as StoreError where error.kind == .constraint {
            // Another process inserted the same run between our read and write (cannot happen
            // under BEGIN IMMEDIATE, but the index is the rule, not the read).
            if let existing = try readRuns("WHERE session_id = ? AND reviewer = ? AND target_sha = ? AND (status = 'running' OR verdict = 'approved') ORDER BY id DESC",
                                           [.text(session.rawValue), .text(reviewer), .text(target)]).first {
                return .duplicate(existing)
            }
            throw error
        }
    }

    /// Records where a command reviewer runs, so a supersede or cancel can end it.
    public func setReviewRunProcess(_ id: Int64, processGroup: Int32?, worktree: String?) throws {
        try connection.immediateTransaction {
            try connection.prepare("UPDATE review_run SET process_group = ?, worktree_path = ? WHERE id = ?")
                .run([SQLValue(processGroup.map(Int64.init)), SQLValue(worktree), .int(id)])
        }
    }

    /// Ends a running run as failed (timeout, failure to start). Returns false when it was no
    /// longer running (superseded or cancelled meanwhile): that status stands.
    @discardableResult
    public func failReviewRun(_ id: Int64, note: String, at now: Timestamp) throws -> Bool {
        try connection.immediateTransaction {
            try connection.prepare("UPDATE review_run SET status = 'failed', note = ?, updated_at = ?, completed_at = ?, process_group = NULL WHERE id = ? AND status = 'running'")
                .run([.text(note), .int(now.milliseconds), .int(now.milliseconds), .int(id)])
            return connection.changes == 1
        }
    }

    /// Cancels a running run; returns it as it was (with its process group), or nil when it
    /// was not running.
    public func cancelReviewRun(_ id: Int64, note: String = "cancelled by the user", at now: Timestamp) throws -> ReviewRun? {
        try connection.immediateTransaction {
            guard let run = try readRuns("WHERE id = ?", [.int(id)]).first, run.isRunning else { return nil }
            try connection.prepare("UPDATE review_run SET status = 'cancelled', note = ?, updated_at = ?, completed_at = ? WHERE id = ?")
                .run([.text(note), .int(now.milliseconds), .int(now.milliseconds), .int(id)])
            return run
        }
    }

    /// Records a verdict, and in the same transaction decides its delivery: an approval stays
    /// `complete`; a request for changes goes to the outbox as a nudge (`delivered`) when its sha
    /// is still the worker's HEAD and fewer than `policy.cap` review nudges reached this branch
    /// from this reviewer; over the cap the human gets a `needs_input` notification instead.
    /// `workerHead` is the commit checked out in the worker's worktree as the caller read it
    /// (the stored head_sha lags when hooks are not installed).
    public func recordReviewVerdict(_ id: Int64, verdict: ReviewRun.Verdict, body: String?, policy: ReviewDeliveryPolicy,
                                    workerHead: String?, at now: Timestamp) throws -> RecordedVerdict {
        try connection.immediateTransaction {
            guard let run = try readRuns("WHERE id = ?", [.int(id)]).first else { throw ReviewVerdictRefusal.notFound(id) }
            switch run.status {
            case .superseded, .cancelled, .failed:
                throw ReviewVerdictRefusal.stale(run.status)
            case .complete, .delivered:
                guard let old = run.verdict else { throw ReviewVerdictRefusal.stale(run.status) }
                if old == verdict && (run.body ?? "") == (body ?? "") { return RecordedVerdict(run: run, changed: false) }
                throw ReviewVerdictRefusal.alreadySubmitted(old)
            case .running:
                break
            }
            let session = try self.session(run.sessionID)
            var status = ReviewRun.Status.complete
            var note: String?
            var delivered: Int64?
            if verdict == .changesRequested {
                // Verdicts of this reviewer on this branch still waiting in the outbox.
                let waitingRuns = try pendingOutbox().filter { $0.kind == .nudge }.compactMap { NudgeReason.decode($0.reason).reviewRun }
                let waiting = try waitingRuns.compactMap { try readRuns("WHERE id = ?", [.int($0)]).first }
                    .filter { $0.branch == run.branch && $0.reviewer == run.reviewer && $0.status == .delivered }
                for old in ReviewVerdictRules.withdrawnByNewer(waiting: waiting.map { ($0.id, $0.targetSHA) }, target: run.targetSHA) {
                    try connection.prepare("UPDATE outbox SET delivered_at = ?, last_error = 'stale review verdict' WHERE kind = 'nudge' AND reason IN (?, ?) AND delivered_at IS NULL")
                        .run([.int(now.milliseconds), .text(ReviewDeliveryPolicy.reason(run: old)), .text("review:\(old)")])
                    try connection.prepare("UPDATE review_run SET status = 'complete', delivered_at = NULL, note = ?, updated_at = ? WHERE id = ?")
                        .run([.text("stale: a verdict on \(run.targetSHA.prefix(12)) came before delivery; recorded, not delivered"), .int(now.milliseconds), .int(old)])
                }
                let deliveredCount = try connection.scalar("SELECT count(*) FROM review_run WHERE branch = ? AND reviewer = ? AND status = 'delivered'",
                                                           [.text(run.branch), .text(run.reviewer)]) ?? 0
                switch ReviewVerdictRules.changesRequested(sessionAlive: session.map { !$0.isTerminated } ?? false,
                                                           workerHead: workerHead ?? session?.headSHA?.rawValue, target: run.targetSHA,
                                                           branch: run.branch, delivered: Int(deliveredCount), cap: policy.cap) {
                case .deliver:
                    status = .delivered
                    delivered = now.milliseconds
                case .keep(let why):
                    note = why
                case .capped(let why):
                    note = why
                    try enqueue(.notify(.needsInput, message: policy.capMessage(run)), for: run.sessionID, at: now)
                }
            }
            try connection.prepare("UPDATE review_run SET status = ?, verdict = ?, body = ?, note = ?, updated_at = ?, completed_at = ?, delivered_at = ?, process_group = NULL WHERE id = ?")
                .run([.text(status.rawValue), .text(verdict.rawValue), SQLValue(body), SQLValue(note), .int(now.milliseconds), .int(now.milliseconds), SQLValue(delivered), .int(id)])
            guard let updated = try readRuns("WHERE id = ?", [.int(id)]).first else { throw StoreError(.other, "review run \(id) vanished") }
            if status == .delivered {
                try enqueue(.nudge(text: policy.nudgeText(updated), reason: ReviewDeliveryPolicy.reason(run: id)), for: run.sessionID, at: now)
            }
            if let session {
                try appendEvent(SessionEvent(sessionID: session.id, at: now, kind: "review", revision: session.revision,
                                             data: reviewEventData(updated)))
            }
            return RecordedVerdict(run: updated, changed: true)
        }
    }

    /// A review nudge waiting in the outbox whose sha is no longer the worker's HEAD: the run
    /// goes back to `complete` with a note, and the nudge is dropped.
    public func withdrawStaleReviewNudge(_ item: OutboxItem, run id: Int64, head: String?, at now: Timestamp) throws {
        try connection.immediateTransaction {
            try connection.prepare("UPDATE outbox SET delivered_at = ?, last_error = 'stale review verdict' WHERE id = ? AND delivered_at IS NULL")
                .run([.int(now.milliseconds), .int(item.id)])
            try connection.prepare("UPDATE review_run SET status = 'complete', delivered_at = NULL, note = ?, updated_at = ? WHERE id = ? AND status = 'delivered'")
                .run([.text("stale: the worker's HEAD moved on to \((head ?? "?").prefix(12)) before delivery; recorded, not delivered"), .int(now.milliseconds), .int(id)])
        }
    }

    private func reviewEventData(_ run: ReviewRun) -> String {
        let quoted = JSONValue.quote
        var fields = ["\"run\":\"\(run.id)\"", "\"reviewer\":\(quoted(run.reviewer))", "\"sha\":\(quoted(run.targetSHA))", "\"status\":\(quoted(run.status.rawValue))"]
        if let verdict = run.verdict { fields.append("\"verdict\":\(quoted(verdict.rawValue))") }
        if let note = run.note { fields.append("\"note\":\(quoted(note))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

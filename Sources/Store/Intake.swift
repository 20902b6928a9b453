import Lifecycle

/// Per-repository intake bookkeeping shared by every process.
public struct IntakeRepositoryState: Equatable, Sendable {
    public var lastRunAt: Timestamp?
    public var backoffUntil: Timestamp?
    public var lastError: String?
}

extension StateStore {
    // MARK: Issues of sessions

    /// The issue id of every session that has one (live or ended).
    public func issueIDs() throws -> [SessionID: String] {
        let rows = try connection.prepare("SELECT id, issue_id FROM sessions WHERE issue_id IS NOT NULL")
        var result: [SessionID: String] = [:]
        while try rows.step() {
            if let id = rows.text(0), let issue = rows.text(1) { result[SessionID(id)] = issue }
        }
        return result
    }

    public func issueID(of session: SessionID) throws -> String? {
        let rows = try connection.prepare("SELECT issue_id FROM sessions WHERE id = ?")
        try rows.bind([.text(session.rawValue)])
        return try rows.step() ? rows.text(0) : nil
    }

    /// The live session working on an issue, if any.
    public func liveSession(forIssue issue: String) throws -> SessionID? {
        try liveSession(where: "issue_id = ?", .text(issue))
    }

    // MARK: Repository state

    public func intakeState(_ repository: String) throws -> IntakeRepositoryState {
        let rows = try connection.prepare("SELECT last_run_at, backoff_until, last_error FROM intake_repositories WHERE repository = ?")
        try rows.bind([.text(repository)])
        guard try rows.step() else { return IntakeRepositoryState() }
        return IntakeRepositoryState(lastRunAt: rows.optionalInt(0).map(Timestamp.init(milliseconds:)),
                                     backoffUntil: rows.optionalInt(1).map(Timestamp.init(milliseconds:)), lastError: rows.text(2))
    }

    /// Every repository intake has run for.
    public func intakeStates() throws -> [String: IntakeRepositoryState] {
        let rows = try connection.prepare("SELECT repository, last_run_at, backoff_until, last_error FROM intake_repositories")
        var result: [String: IntakeRepositoryState] = [:]
        while try rows.step() {
            guard let repository = rows.text(0) else { continue }
            result[repository] = IntakeRepositoryState(lastRunAt: rows.optionalInt(1).map(Timestamp.init(milliseconds:)),
                                                       backoffUntil: rows.optionalInt(2).map(Timestamp.init(milliseconds:)), lastError: rows.text(3))
        }
        return result
    }

    /// Claims this interval's intake run for a repository: true for exactly one caller per
    /// interval, however many passes ask at once.
    public func claimIntakeRun(_ repository: String, at now: Timestamp, interval: TimeSpan) throws -> Bool {
        try connection.immediateTransaction {
            let state = try intakeState(repository)
            if let last = state.lastRunAt, now - last < interval, now >= last { return false }
            if let until = state.backoffUntil, until > now { return false }
            try connection.prepare("""
                INSERT INTO intake_repositories (repository, last_run_at) VALUES (?, ?)
                ON CONFLICT(repository) DO UPDATE SET last_run_at = excluded.last_run_at
                """).run([.text(repository), .int(now.milliseconds)])
            return true
        }
    }

    /// Backs a repository off until `until` (a failed list or spawn), or clears the backoff (nil).
    public func recordIntakeOutcome(_ repository: String, at now: Timestamp, backoffUntil until: Timestamp?, error: String?) throws {
        try connection.immediateTransaction {
            try connection.prepare("""
                INSERT INTO intake_repositories (repository, last_run_at, backoff_until, last_error) VALUES (?, ?, ?, ?)
                ON CONFLICT(repository) DO UPDATE SET last_run_at = excluded.last_run_at,
                    backoff_until = excluded.backoff_until, last_error = excluded.last_error
                """).run([.text(repository), .int(now.milliseconds), SQLValue(until?.milliseconds), SQLValue(error)])
        }
    }

    // MARK: Retries

    public func grantIntakeRetry(_ issue: String, at now: Timestamp) throws {
        try connection.immediateTransaction {
            try connection.prepare("INSERT OR REPLACE INTO intake_retries (issue_id, granted_at) VALUES (?, ?)").run([.text(issue), .int(now.milliseconds)])
        }
    }

    public func intakeRetries() throws -> Set<String> {
        let rows = try connection.prepare("SELECT issue_id FROM intake_retries")
        var result = Set<String>()
        while try rows.step() { if let issue = rows.text(0) { result.insert(issue) } }
        return result
    }

    public func consumeIntakeRetry(_ issue: String) throws {
        try connection.immediateTransaction {
            try connection.prepare("DELETE FROM intake_retries WHERE issue_id = ?").run([.text(issue)])
        }
    }

    // MARK: Closed issues

    /// Records that a session's issue was closed and queues the `issue_closed` notification,
    /// once per session. Returns false when it was already recorded.
    @discardableResult
    public func noteIssueClosed(_ issue: String, session: SessionID, message: String, at now: Timestamp) throws -> Bool {
        try connection.immediateTransaction {
            try connection.prepare("INSERT OR IGNORE INTO intake_closed_notices (session_id, issue_id, at) VALUES (?, ?, ?)")
                .run([.text(session.rawValue), .text(issue), .int(now.milliseconds)])
            guard connection.changes == 1 else { return false }
            try enqueue(.notify(.issueClosed, message: message), for: session, at: now)
            try appendEvent(SessionEvent(sessionID: session, at: now, kind: "issue_closed", revision: try self.session(session)?.revision ?? 0,
                                         data: nil))
            return true
        }
    }
}

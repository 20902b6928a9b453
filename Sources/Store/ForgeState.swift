import Lifecycle

/// A stored GitHub response and the ETag that validates it.
public struct StoredResponse: Equatable, Sendable {
    public var etag: String
    public var body: String
    public var next: String?

    public init(etag: String, body: String, next: String?) {
        self.etag = etag
        self.body = body
        self.next = next
    }
}

/// Per-repository GitHub bookkeeping shared by every process.
public struct ForgeRepositoryState: Equatable, Sendable {
    public var lastPollAt: Timestamp?
    /// An `X-Poll-Interval` GitHub asked for, when longer than the configured interval.
    public var pollInterval: TimeSpan?
    public var rateLimitedUntil: Timestamp?
    /// Set by a 401; cleared by a later authenticated success (a 200, or a 304 to a conditional request).
    public var tokenUnhealthySince: Timestamp?
    /// The first problem of the latest poll; nil when it went through.
    public var lastError: String?
    /// When a poll last went through without a problem.
    public var lastSuccessAt: Timestamp?
    /// `ao.github.interval` as the latest pass read it: status says when GitHub is asked next
    /// without reading git config itself.
    public var configuredInterval: TimeSpan?
    /// When the poll whose outcome `lastError` and `lastSuccessAt` record was claimed (nil in a
    /// database from before this was kept, until its next poll ends).
    public var lastResultAt: Timestamp?

    /// The claim time of a poll that has not recorded its outcome: one in flight, or one whose
    /// process was killed. While it is set, `lastError` is the earlier poll's, of `lastResultAt`.
    public var pollInFlightSince: Timestamp? {
        guard let claimed = lastPollAt, let result = lastResultAt, claimed > result else { return nil }
        return claimed
    }

    /// The longest a rate limit is believed: a reset further ahead (GitHub's `X-RateLimit-Reset`
    /// and `Retry-After` are at most an hour away; a server that says 2286 is wrong, and a
    /// database written before this bound may hold one) counts as passed.
    public static let longestRateLimit = TimeSpan.seconds(3600)

    public init(lastPollAt: Timestamp? = nil, pollInterval: TimeSpan? = nil, rateLimitedUntil: Timestamp? = nil,
                tokenUnhealthySince: Timestamp? = nil, lastError: String? = nil, lastSuccessAt: Timestamp? = nil) {
        self.lastPollAt = lastPollAt
        self.pollInterval = pollInterval
        self.rateLimitedUntil = rateLimitedUntil
        self.tokenUnhealthySince = tokenUnhealthySince
        self.lastError = lastError
        self.lastSuccessAt = lastSuccessAt
    }

    /// The reset of a rate limit still in force at `now`: nil once it has passed, or when it is
    /// implausibly far ahead (more than `longestRateLimit`).
    public func rateLimit(at now: Timestamp) -> Timestamp? {
        guard let until = rateLimitedUntil, until > now, until - now <= Self.longestRateLimit else { return nil }
        return until
    }

    /// The earliest time GitHub may be asked again, with `interval` the configured
    /// `ao.github.interval`: the last poll plus the longer of the interval and GitHub's
    /// X-Poll-Interval, and never before a rate limit resets. nil: never polled, so any pass asks.
    public func nextPollAt(interval: TimeSpan) -> Timestamp? {
        let wait = max(interval, pollInterval ?? interval)
        let afterInterval = lastPollAt.map { $0 + wait }
        // A reset too far ahead to be believed (rateLimit(at:)) does not postpone the poll.
        let limit = lastPollAt.flatMap { rateLimit(at: $0) }
        switch (afterInterval, limit) {
        case (let a?, let r?): return max(a, r)
        case (let a?, nil): return a
        case (nil, let r?): return r
        case (nil, nil): return nil
        }
    }
}

extension StateStore {
    // MARK: ETags

    /// Every stored response (the cache is small: a few per pull request).
    public func storedResponses() throws -> [String: StoredResponse] {
        let rows = try connection.prepare("SELECT url, etag, body, next_url FROM forge_etags")
        var result: [String: StoredResponse] = [:]
        while try rows.step() {
            guard let url = rows.text(0), let etag = rows.text(1) else { continue }
            result[url] = StoredResponse(etag: etag, body: rows.text(2) ?? "", next: rows.text(3))
        }
        return result
    }

    public func storeResponses(_ responses: [String: StoredResponse], at now: Timestamp) throws {
        guard !responses.isEmpty else { return }
        try connection.immediateTransaction {
            let statement = try connection.prepare("""
                INSERT INTO forge_etags (url, etag, body, next_url, stored_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, body = excluded.body, next_url = excluded.next_url, stored_at = excluded.stored_at
                """)
            for (url, response) in responses.sorted(by: { $0.key < $1.key }) {
                try statement.run([.text(url), .text(response.etag), .text(response.body), SQLValue(response.next), .int(now.milliseconds)])
            }
        }
    }

    // MARK: Repository state

    public func forgeRepositoryState(_ repository: String) throws -> ForgeRepositoryState {
        let rows = try connection.prepare("""
            SELECT last_poll_at, poll_interval_ms, rate_limited_until, token_unhealthy_at, last_error, last_success_at, configured_interval_ms,
                   last_result_at
            FROM forge_repositories WHERE repository = ?
            """)
        try rows.bind([.text(repository)])
        guard try rows.step() else { return ForgeRepositoryState() }
        var state = ForgeRepositoryState(lastPollAt: rows.optionalInt(0).map(Timestamp.init(milliseconds:)),
                                         pollInterval: rows.optionalInt(1).map(TimeSpan.init(milliseconds:)),
                                         rateLimitedUntil: rows.optionalInt(2).map(Timestamp.init(milliseconds:)),
                                         tokenUnhealthySince: rows.optionalInt(3).map(Timestamp.init(milliseconds:)),
                                         lastError: rows.text(4), lastSuccessAt: rows.optionalInt(5).map(Timestamp.init(milliseconds:)))
        state.configuredInterval = rows.optionalInt(6).map(TimeSpan.init(milliseconds:))
        state.lastResultAt = rows.optionalInt(7).map(Timestamp.init(milliseconds:))
        return state
    }

    /// Every repository's GitHub bookkeeping (normally one), by owner/name.
    public func forgeRepositoryStates() throws -> [String: ForgeRepositoryState] {
        let rows = try connection.prepare("SELECT repository FROM forge_repositories ORDER BY repository")
        var names: [String] = []
        while try rows.step() { if let name = rows.text(0) { names.append(name) } }
        var result: [String: ForgeRepositoryState] = [:]
        for name in names { result[name] = try forgeRepositoryState(name) }
        return result
    }

    /// Takes the right to poll GitHub now, atomically across processes: false when another
    /// process polled within `interval` (or GitHub's own poll interval, if longer), or a rate
    /// limit has not reset yet. `force` (observe --refresh) ignores the interval, never a limit
    /// in force; a reset more than `longestRateLimit` ahead is not in force (see `rateLimit(at:)`).
    public func claimForgePoll(_ repository: String, at now: Timestamp, interval: TimeSpan, force: Bool) throws -> Bool {
        try connection.immediateTransaction {
            let state = try forgeRepositoryState(repository)
            if state.configuredInterval != interval {
                try connection.prepare("""
                    INSERT INTO forge_repositories (repository, configured_interval_ms) VALUES (?, ?)
                    ON CONFLICT(repository) DO UPDATE SET configured_interval_ms = excluded.configured_interval_ms
                    """).run([.text(repository), .int(interval.milliseconds)])
            }
            if state.rateLimit(at: now) != nil { return false }
            // A last poll in the future (a clock set back) does not block polling.
            if !force, let last = state.lastPollAt, last <= now, let next = state.nextPollAt(interval: interval), now < next { return false }
            try connection.prepare("""
                INSERT INTO forge_repositories (repository, last_poll_at) VALUES (?, ?)
                ON CONFLICT(repository) DO UPDATE SET last_poll_at = excluded.last_poll_at
                """).run([.text(repository), .int(now.milliseconds)])
            return true
        }
    }

    /// Marks the outcome just recorded (`recordForgePoll`) as that of the request made at
    /// `claimedAt` (the poll's claim time, or a CI follower's own request time), so a later
    /// claim reads as a poll in flight until it records its own (see `pollInFlightSince`).
    /// Records what a poll learned about the repository's GitHub access, and (in the same write)
    /// that the poll claimed at `now` has its outcome on record: a later claim is one in flight.
    /// `unauthorized`: a 401 (sets the sticky mark); `authenticated`: an authenticated success, 304 included (clears it).
    public func recordForgePoll(_ repository: String, at now: Timestamp, unauthorized: Bool, authenticated: Bool,
                                rateLimitedUntil: Timestamp?, pollInterval: TimeSpan?, error: String?) throws {
        try connection.immediateTransaction {
            var state = try forgeRepositoryState(repository)
            if unauthorized { state.tokenUnhealthySince = state.tokenUnhealthySince ?? now } else if authenticated { state.tokenUnhealthySince = nil }
            // Bounded here too, whatever the caller passes: a stored reset is never years ahead.
            state.rateLimitedUntil = rateLimitedUntil.map { min($0, now + ForgeRepositoryState.longestRateLimit) }
            state.pollInterval = pollInterval
            state.lastError = error
            if error == nil { state.lastSuccessAt = now }
            try connection.prepare("""
                INSERT INTO forge_repositories (repository, last_poll_at, poll_interval_ms, rate_limited_until, token_unhealthy_at, last_error, last_success_at, last_result_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(repository) DO UPDATE SET poll_interval_ms = excluded.poll_interval_ms,
                    rate_limited_until = excluded.rate_limited_until, token_unhealthy_at = excluded.token_unhealthy_at,
                    last_error = excluded.last_error, last_success_at = excluded.last_success_at, last_result_at = excluded.last_result_at
                """).run([.text(repository), SQLValue(state.lastPollAt?.milliseconds ?? now.milliseconds),
                          SQLValue(state.pollInterval?.milliseconds), SQLValue(state.rateLimitedUntil?.milliseconds),
                          SQLValue(state.tokenUnhealthySince?.milliseconds), SQLValue(state.lastError), SQLValue(state.lastSuccessAt?.milliseconds),
                          .int(now.milliseconds)])
        }
    }

    // MARK: Pull request facts

    /// The stored facts of a session's pull requests (Forge's JSON form), by number.
    public func pullRequestFacts(for id: SessionID) throws -> [Int: String] {
        let rows = try connection.prepare("SELECT number, facts FROM forge_pr_facts WHERE session_id = ? ORDER BY number")
        try rows.bind([.text(id.rawValue)])
        var result: [Int: String] = [:]
        while try rows.step() { result[Int(rows.int(0))] = rows.text(1) ?? "" }
        return result
    }

    /// Replaces what is stored about a session's pull requests.
    public func replacePullRequestFacts(_ facts: [Int: String], for id: SessionID, at now: Timestamp) throws {
        try connection.immediateTransaction {
            try connection.prepare("DELETE FROM forge_pr_facts WHERE session_id = ?").run([.text(id.rawValue)])
            let insert = try connection.prepare("INSERT INTO forge_pr_facts (session_id, number, facts, observed_at) VALUES (?, ?, ?, ?)")
            for (number, text) in facts.sorted(by: { $0.key < $1.key }) {
                try insert.run([.text(id.rawValue), .int(Int64(number)), .text(text), .int(now.milliseconds)])
            }
        }
    }

    /// Puts a notification for the human in the outbox (a reaction that gave up on the agent).
    public func enqueueNotification(_ kind: NotificationKind, message: String, for id: SessionID, at now: Timestamp) throws {
        try connection.immediateTransaction { try enqueue(.notify(kind, message: message), for: id, at: now) }
    }

    // MARK: Local conflict prediction

    public func conflictPredictions() throws -> [SessionID: ConflictPrediction] {
        let rows = try connection.prepare("SELECT session_id, head_sha, base_sha, base_ref, conflicting, paths FROM conflict_predictions")
        var result: [SessionID: ConflictPrediction] = [:]
        while try rows.step() {
            let paths = (rows.text(5) ?? "").split(separator: "\n").map(String.init)
            result[SessionID(rows.text(0) ?? "")] = ConflictPrediction(headSHA: rows.text(1) ?? "", baseSHA: rows.text(2) ?? "",
                                                                       baseRef: rows.text(3) ?? "", conflicting: rows.int(4) != 0, paths: paths)
        }
        return result
    }

    public func setConflictPrediction(_ prediction: ConflictPrediction, for id: SessionID, at now: Timestamp) throws {
        try connection.immediateTransaction {
            try connection.prepare("""
                INSERT INTO conflict_predictions (session_id, head_sha, base_sha, base_ref, conflicting, paths, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(session_id) DO UPDATE SET head_sha = excluded.head_sha, base_sha = excluded.base_sha, base_ref = excluded.base_ref,
                    conflicting = excluded.conflicting, paths = excluded.paths, at = excluded.at
                """).run([.text(id.rawValue), .text(prediction.headSHA), .text(prediction.baseSHA), .text(prediction.baseRef),
                          .int(prediction.conflicting ? 1 : 0), .text(prediction.paths.joined(separator: "\n")), .int(now.milliseconds)])
        }
    }
}

/// The result of merging a session's branch with its base in memory.
public struct ConflictPrediction: Equatable, Sendable {
    public var headSHA: String
    public var baseSHA: String
    public var baseRef: String
    public var conflicting: Bool
    public var paths: [String]

    public init(headSHA: String, baseSHA: String, baseRef: String, conflicting: Bool, paths: [String]) {
        self.headSHA = headSHA
        self.baseSHA = baseSHA
        self.baseRef = baseRef
        self.conflicting = conflicting
        self.paths = paths
    }
}

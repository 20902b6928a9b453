import Lifecycle

/// Why a seed row could not be written.
public enum SeedConflict: Error, Equatable, Sendable {
    /// Another session already has this id (retry with a new one).
    case idTaken
    /// A live session already uses this name.
    case nameTaken(SessionID)
    /// A live session already works on this branch.
    case branchTaken(SessionID)
    /// A live session already works on this GitHub issue.
    case issueTaken(SessionID)
    /// Every port of the requested range is held by a live session or unavailable.
    case noFreePort
}

/// A port to reserve for a session: the range (`ao.portRange`) and a check that a port is
/// free on the machine (nothing else listens on it).
public struct PortRequest {
    public let range: ClosedRange<Int>
    public let isAvailable: (Int) -> Bool

    public init(range: ClosedRange<Int>, isAvailable: @escaping (Int) -> Bool) {
        self.range = range
        self.isAvailable = isAvailable
    }
}

extension StateStore {
    static let sessionColumns = """
        id, name, branch, branch_created, base_ref, base_sha, worktree_path, agent, prompt, tmux_name,
        agent_session_id, created_at, updated_at, revision, state, terminal_reason, cleaned_at,
        runtime, activity, activity_since, last_signal_at, launched_at, detecting_since, detecting_hash,
        detecting_attempts, pr_number, pr_state, pr_summary, agent_has_hooks, head_sha, port,
        pr_head_sha, pr_ci, pr_review, pr_mergeability, pr_human_threads, pr_bot_threads, tmux_socket
        """

    static func decodeSession(_ row: Statement) -> Session {
        Session(
            id: SessionID(row.text(0) ?? ""),
            name: row.text(1),
            branch: BranchName(row.text(2) ?? ""),
            branchCreated: row.int(3) != 0,
            baseRef: row.text(4) ?? "",
            baseSHA: CommitSHA(row.text(5) ?? ""),
            worktreePath: row.text(6) ?? "",
            agent: row.text(7) ?? "",
            prompt: row.text(8),
            tmuxName: row.text(9) ?? "",
            tmuxSocket: row.text(37),
            agentSessionID: row.text(10),
            createdAt: Timestamp(milliseconds: row.int(11)),
            updatedAt: Timestamp(milliseconds: row.int(12)),
            revision: row.int(13),
            state: SessionState(rawValue: row.text(14) ?? "") ?? .notStarted,
            terminalReason: row.text(15).flatMap(TerminalReason.init(rawValue:)),
            cleanedAt: row.optionalInt(16).map(Timestamp.init(milliseconds:)),
            runtime: RuntimeState(rawValue: row.text(17) ?? "") ?? .unknown,
            activity: row.text(18).flatMap(Activity.init(rawValue:)),
            activitySince: row.optionalInt(19).map(Timestamp.init(milliseconds:)),
            lastSignalAt: row.optionalInt(20).map(Timestamp.init(milliseconds:)),
            launchedAt: row.optionalInt(21).map(Timestamp.init(milliseconds:)),
            detecting: row.optionalInt(22).map {
                DetectingMemory(startedAt: Timestamp(milliseconds: $0), evidenceHash: row.text(23) ?? "", attempts: Int(row.int(24)))
            },
            pr: row.optionalInt(25).flatMap { number in
                row.text(26).flatMap(PRStatus.State.init(rawValue:)).map {
                    PRStatus(number: Int(number), state: $0, summary: row.text(27), headSHA: row.text(31).map(CommitSHA.init),
                             ci: row.text(32).flatMap(CIState.init(rawValue:)) ?? .none,
                             review: row.text(33).flatMap(ReviewDecision.init(rawValue:)) ?? .none,
                             mergeability: row.text(34).flatMap(Mergeability.init(rawValue:)) ?? .unknown,
                             humanThreads: Int(row.int(35)), botThreads: Int(row.int(36)))
                }
            },
            agentHasHooks: row.int(28) != 0,
            headSHA: row.text(29).map(CommitSHA.init),
            port: row.optionalInt(30).map { Int($0) }
        )
    }

    /// Every session, oldest first.
    public func sessions() throws -> [Session] {
        let rows = try connection.prepare("SELECT \(Self.sessionColumns) FROM sessions ORDER BY created_at, id")
        var result: [Session] = []
        while try rows.step() { result.append(Self.decodeSession(rows)) }
        return result
    }

    public func session(_ id: SessionID) throws -> Session? {
        let rows = try connection.prepare("SELECT \(Self.sessionColumns) FROM sessions WHERE id = ?")
        try rows.bind([.text(id.rawValue)])
        return try rows.step() ? Self.decodeSession(rows) : nil
    }

    /// Writes the seed row of a spawn, with its first event, after checking in the same
    /// transaction that no live session holds the same name or branch. With `port`, the lowest
    /// free port of its range is reserved in the same transaction (the unique index on live
    /// ports backs this up) and returned.
    @discardableResult
    public func insertSeed(_ session: Session, spawnPID: Int32, data: String? = nil, port request: PortRequest? = nil,
                           issue: String? = nil) throws -> Int? {
        var session = session
        return try connection.immediateTransaction {
            if try connection.scalar("SELECT count(*) FROM sessions WHERE id = ?", [.text(session.id.rawValue)]) ?? 0 > 0 {
                throw SeedConflict.idTaken
            }
            if let name = session.name, let other = try liveSession(where: "name = ?", .text(name)) {
                throw SeedConflict.nameTaken(other)
            }
            if let issue, let other = try liveSession(where: "issue_id = ?", .text(issue)) {
                throw SeedConflict.issueTaken(other)
            }
            if let other = try liveSession(where: "branch = ?", .text(session.branch.rawValue)) {
                throw SeedConflict.branchTaken(other)
            }
            if let request {
                let taken = try livePorts(excluding: session.id)
                guard let port = request.range.first(where: { !taken.contains($0) && request.isAvailable($0) }) else {
                    throw SeedConflict.noFreePort
                }
                session.port = port
            } else {
                session.port = nil
            }
            let placeholders = Array(repeating: "?", count: Self.values(of: session).count + 2).joined(separator: ", ")
            try connection.prepare("INSERT INTO sessions (\(Self.sessionColumns), terminal, spawn_pid) VALUES (\(placeholders))")
                .run(Self.values(of: session) + [.int(session.isTerminated ? 1 : 0), .int(Int64(spawnPID))])
            // The unique index on live issue ids backs up the check above.
            if let issue { try connection.prepare("UPDATE sessions SET issue_id = ? WHERE id = ?").run([.text(issue), .text(session.id.rawValue)]) }
            try appendEvent(SessionEvent(sessionID: session.id, at: session.createdAt, kind: "seeded", revision: session.revision, data: data))
            return session.port
        }
    }

    /// Gives a session coming back to life a port again: its old one when still free, else the
    /// lowest free one; none without a request. Returns the session as stored.
    @discardableResult
    public func assignPort(to id: SessionID, at now: Timestamp, _ request: PortRequest?) throws -> Session? {
        try update(id, at: now, event: "port_assigned") { session in
            guard let request else { session.port = nil; return }
            let taken = try livePorts(excluding: id)
            if let port = session.port, request.range.contains(port), !taken.contains(port), request.isAvailable(port) { return }
            guard let port = request.range.first(where: { !taken.contains($0) && request.isAvailable($0) }) else {
                throw SeedConflict.noFreePort
            }
            session.port = port
        }
    }

    /// Ports held by live sessions other than `id`.
    private func livePorts(excluding id: SessionID) throws -> Set<Int> {
        let rows = try connection.prepare("SELECT port FROM sessions WHERE terminal = 0 AND port IS NOT NULL AND id != ?")
        try rows.bind([.text(id.rawValue)])
        var ports = Set<Int>()
        while try rows.step() { ports.insert(Int(rows.int(0))) }
        return ports
    }

    func liveSession(where condition: String, _ value: SQLValue) throws -> SessionID? {
        let rows = try connection.prepare("SELECT id FROM sessions WHERE terminal = 0 AND \(condition) LIMIT 1")
        try rows.bind([value])
        return try rows.step() ? rows.text(0).map(SessionID.init) : nil
    }

    static func values(of s: Session) -> [SQLValue] {
        [.text(s.id.rawValue), SQLValue(s.name), .text(s.branch.rawValue), .int(s.branchCreated ? 1 : 0),
         .text(s.baseRef), .text(s.baseSHA.rawValue), .text(s.worktreePath), .text(s.agent), SQLValue(s.prompt),
         .text(s.tmuxName), SQLValue(s.agentSessionID), .int(s.createdAt.milliseconds), .int(s.updatedAt.milliseconds),
         .int(s.revision), .text(s.state.rawValue), SQLValue(s.terminalReason?.rawValue), SQLValue(s.cleanedAt?.milliseconds),
         .text(s.runtime.rawValue), SQLValue(s.activity?.rawValue), SQLValue(s.activitySince?.milliseconds),
         SQLValue(s.lastSignalAt?.milliseconds), SQLValue(s.launchedAt?.milliseconds), SQLValue(s.detecting?.startedAt.milliseconds),
         SQLValue(s.detecting?.evidenceHash), SQLValue(s.detecting.map { Int64($0.attempts) }), SQLValue(s.pr.map { Int64($0.number) }),
         SQLValue(s.pr?.state.rawValue), SQLValue(s.pr?.summary), .int(s.agentHasHooks ? 1 : 0), SQLValue(s.headSHA?.rawValue),
         SQLValue(s.port.map { Int64($0) }),
         SQLValue(s.pr?.headSHA?.rawValue), SQLValue(s.pr?.ci.rawValue), SQLValue(s.pr?.review.rawValue),
         SQLValue(s.pr?.mergeability.rawValue), .int(Int64(s.pr?.humanThreads ?? 0)), .int(Int64(s.pr?.botThreads ?? 0)),
         SQLValue(s.tmuxSocket)]
    }

    /// `column = ?` for every stored field except the id, in `values(of:)` order.
    static var assignments: String {
        sessionColumns.split(separator: ",").dropFirst().map { $0.trimmingCharacters() + " = ?" }.joined(separator: ", ")
    }

    /// Changes one session: reads it inside `BEGIN IMMEDIATE`, lets `change` edit it, and writes it
    /// back with a revision check and one event, all in one transaction. A change that leaves the
    /// session as it was writes nothing (no revision bump, no event). Returns the session as
    /// stored afterwards, or nil when there is no such session.
    @discardableResult
    public func update(_ id: SessionID, at now: Timestamp, event kind: String, data: String? = nil,
                       _ change: (inout Session) throws -> Void) throws -> Session? {
        try connection.immediateTransaction {
            guard let before = try session(id) else { return nil }
            var after = before
            try change(&after)
            after.id = before.id
            after.revision = before.revision
            after.updatedAt = before.updatedAt
            guard after != before else { return before }
            after.revision = before.revision + 1
            after.updatedAt = now
            try write(after, expectedRevision: before.revision)
            try appendEvent(SessionEvent(sessionID: id, at: now, kind: kind, revision: after.revision, data: data))
            return after
        }
    }

    /// Writes a whole row, refusing when someone else changed it since `expectedRevision`.
    func write(_ session: Session, expectedRevision: Int64) throws {
        try connection.prepare("UPDATE sessions SET \(Self.assignments), terminal = ? WHERE id = ? AND revision = ?")
            .run(Array(Self.values(of: session).dropFirst()) + [
                .int(session.isTerminated ? 1 : 0), .text(session.id.rawValue), .int(expectedRevision),
            ])
        guard connection.changes == 1 else {
            throw StoreError(.conflict, "session \(session.id) changed while it was being updated")
        }
    }

    /// Appends one event to the change log.
    func appendEvent(_ event: SessionEvent) throws {
        try connection.prepare("INSERT INTO events (session_id, at, kind, revision, data) VALUES (?, ?, ?, ?, ?)")
            .run([.text(event.sessionID.rawValue), .int(event.at.milliseconds), .text(event.kind), .int(event.revision), SQLValue(event.data)])
    }

    /// Records an event without changing the session (a message sent, a commit seen).
    public func recordEvent(_ event: SessionEvent) throws {
        try connection.immediateTransaction { try appendEvent(event) }
    }

    /// Removes a session and its events: only for undoing a spawn that never completed, so the
    /// session never existed as far as anyone can tell.
    public func deleteSession(_ id: SessionID) throws {
        try connection.immediateTransaction {
            try connection.prepare("DELETE FROM events WHERE session_id = ?").run([.text(id.rawValue)])
            try connection.prepare("DELETE FROM sessions WHERE id = ?").run([.text(id.rawValue)])
        }
    }

    /// The process that wrote a session's seed row (to tell an abandoned spawn from a running one).
    public func spawnPID(of id: SessionID) throws -> Int32? {
        try connection.scalar("SELECT spawn_pid FROM sessions WHERE id = ?", [.text(id.rawValue)]).map { Int32($0) }
    }

    /// Events in order, optionally for one session, after a sequence number, newest `limit` only.
    public func events(session: SessionID? = nil, after seq: Int64 = 0, limit: Int? = nil) throws -> [SessionEvent] {
        var sql = "SELECT seq, session_id, at, kind, revision, data FROM events WHERE seq > ?"
        var values: [SQLValue] = [.int(seq)]
        if let session { sql += " AND session_id = ?"; values.append(.text(session.rawValue)) }
        if let limit {
            sql = "SELECT * FROM (\(sql) ORDER BY seq DESC LIMIT \(limit)) ORDER BY seq"
        } else {
            sql += " ORDER BY seq"
        }
        let rows = try connection.prepare(sql)
        try rows.bind(values)
        var result: [SessionEvent] = []
        while try rows.step() {
            result.append(SessionEvent(seq: rows.int(0), sessionID: SessionID(rows.text(1) ?? ""), at: Timestamp(milliseconds: rows.int(2)),
                                       kind: rows.text(3) ?? "", revision: rows.int(4), data: rows.text(5)))
        }
        return result
    }
}

extension Substring {
    /// Without surrounding spaces and newlines.
    func trimmingCharacters() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}

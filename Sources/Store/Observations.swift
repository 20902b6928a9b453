import Lifecycle

/// What applying an observation did.
public struct Applied: Sendable {
    /// The session as stored afterwards (nil: no such session).
    public let session: Session?
    public let decision: Decision
    /// The change-log entry written, when something changed.
    public let eventSeq: Int64?

    public var changed: Bool { eventSeq != nil }
}

/// An effect waiting in the outbox.
public struct OutboxItem: Equatable, Sendable {
    public enum Kind: String, Sendable { case notify, resolve, nudge }

    public let id: Int64
    public let sessionID: SessionID
    public let createdAt: Timestamp
    public let kind: Kind
    /// The notification kind, for notify/resolve.
    public let topic: String?
    /// The message (notify) or the text to type (nudge).
    public let body: String?
    public let reason: String?
    public let attempts: Int
}

extension StateStore {
    /// Applies one observation to one session in one `BEGIN IMMEDIATE` transaction: re-reads the
    /// row, runs `Lifecycle.decide`, writes the patch with a revision check, appends the event and
    /// puts the effects in the outbox. Hooks run as separate processes, so the write lock is what
    /// serialises them; nothing is lost and an unchanged session is not written at all.
    /// `eventData` builds the event's details (JSON text) from the decision.
    ///
    /// `worktreeHead`, for a `.head` observation, reads the worktree's HEAD once the write lock
    /// is held: hooks queued behind a busy database apply in any order, so the sha a hook saw may
    /// be older than HEAD by now. Its event is still recorded, but the stored head only moves to
    /// a sha that is HEAD when the lock is held.
    @discardableResult
    public func apply(_ id: SessionID, _ observation: Observation, at now: Timestamp,
                      eventData: (Decision) -> String? = { _ in nil },
                      worktreeHead: (() -> CommitSHA?)? = nil) throws -> Applied {
        try connection.immediateTransaction {
            let current = try session(id)
            let decision = Lifecycle.decide(current, observation, now)
            guard let current, decision.rejection == nil, !decision.patch.isEmpty, let event = decision.event else {
                return Applied(session: current, decision: decision, eventSeq: nil)
            }
            var next = decision.patch.applied(to: current)
            // A hook that saw an older commit than HEAD is now: its event is kept, the stored head
            // is not moved back (the hook of the newer commit, or the next pass, sets it).
            if case .head(let seen, _) = observation, let actual = worktreeHead?(), actual != seen { next.headSHA = current.headSHA }
            next.revision = current.revision + 1
            next.updatedAt = now
            try write(next, expectedRevision: current.revision)
            try appendEvent(SessionEvent(sessionID: id, at: now, kind: event.rawValue, revision: next.revision, data: eventData(decision)))
            let seq = connection.lastInsertRowID
            for effect in decision.effects { try enqueue(effect, for: id, at: now, eventSeq: seq) }
            return Applied(session: next, decision: decision, eventSeq: seq)
        }
    }

    /// Writes one outbox row for `effect`: the only place in the store that does, whichever
    /// feature queued it (the reducer's effects, reactions, review verdicts, intake notices).
    func enqueue(_ effect: Effect, for id: SessionID, at now: Timestamp, eventSeq: Int64? = nil) throws {
        let row: (OutboxItem.Kind, String?, String?, String?)
        switch effect {
        case .notify(let kind, let message): row = (.notify, kind.rawValue, message, nil)
        case .resolveNotification(let kind): row = (.resolve, kind.rawValue, nil, nil)
        case .nudge(let text, let reason): row = (.nudge, nil, text, reason)
        }
        try connection.prepare("INSERT INTO outbox (session_id, created_at, kind, topic, body, reason, event_seq) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .run([.text(id.rawValue), .int(now.milliseconds), .text(row.0.rawValue), SQLValue(row.1), SQLValue(row.2), SQLValue(row.3), SQLValue(eventSeq)])
    }

    /// Puts a nudge in the outbox directly (a message queued with `git ao send --queue`).
    /// Returns the row's id, so the sender can tell later whether this very message went.
    @discardableResult
    public func enqueueNudge(_ text: String, reason: String, for id: SessionID, at now: Timestamp) throws -> Int64 {
        try connection.immediateTransaction {
            try enqueue(.nudge(text: text, reason: reason), for: id, at: now, eventSeq: nil)
            return connection.lastInsertRowID
        }
    }

    /// Whether outbox row `id` is done, and the error it was marked done with (withdrawn,
    /// superseded and unconfirmed rows are done too, with an error).
    public func outboxItemOutcome(_ id: Int64) throws -> (done: Bool, error: String?) {
        let rows = try connection.prepare("SELECT delivered_at IS NOT NULL, last_error FROM outbox WHERE id = ?")
        try rows.bind([.int(id)])
        guard try rows.step() else { return (false, nil) }
        return (rows.int(0) == 1, rows.text(1))
    }

    /// Undelivered effects, oldest first.
    public func pendingOutbox(session: SessionID? = nil) throws -> [OutboxItem] {
        var sql = "SELECT id, session_id, created_at, kind, topic, body, reason, attempts FROM outbox WHERE delivered_at IS NULL"
        if session != nil { sql += " AND session_id = ?" }
        let rows = try connection.prepare(sql + " ORDER BY id")
        try rows.bind(session.map { [.text($0.rawValue)] } ?? [])
        var items: [OutboxItem] = []
        while try rows.step() {
            guard let kind = rows.text(3).flatMap(OutboxItem.Kind.init(rawValue:)) else { continue }
            items.append(OutboxItem(id: rows.int(0), sessionID: SessionID(rows.text(1) ?? ""), createdAt: Timestamp(milliseconds: rows.int(2)),
                                    kind: kind, topic: rows.text(4), body: rows.text(5), reason: rows.text(6), attempts: Int(rows.int(7))))
        }
        return items
    }

    /// Marks an effect delivered, with the change-log entry that records the delivery, atomically.
    public func markDelivered(_ item: OutboxItem, at now: Timestamp, event: SessionEvent?, error: String? = nil) throws {
        try connection.immediateTransaction {
            try connection.prepare("UPDATE outbox SET delivered_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL")
                .run([.int(now.milliseconds), SQLValue(error), .int(item.id)])
            if connection.changes == 1, let event { try appendEvent(event) }
        }
    }

    /// Records a failed delivery attempt; the item stays pending.
    public func recordAttempt(_ item: OutboxItem, error: String) throws {
        try connection.immediateTransaction {
            try connection.prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?").run([.text(error), .int(item.id)])
        }
    }

    // MARK: Notifications

    /// Opens a notification unless one of the same kind is already open for the session.
    /// Returns false for a duplicate.
    public func openNotification(_ kind: NotificationKind, for id: SessionID, message: String, at now: Timestamp) throws -> Bool {
        try connection.immediateTransaction {
            let open = try connection.scalar("SELECT count(*) FROM notifications WHERE session_id = ? AND kind = ? AND closed_at IS NULL",
                                              [.text(id.rawValue), .text(kind.rawValue)]) ?? 0
            guard open == 0 else { return false }
            try connection.prepare("INSERT INTO notifications (session_id, kind, opened_at, message) VALUES (?, ?, ?, ?)")
                .run([.text(id.rawValue), .text(kind.rawValue), .int(now.milliseconds), .text(message)])
            return true
        }
    }

    public func closeNotification(_ kind: NotificationKind, for id: SessionID, at now: Timestamp) throws {
        try connection.immediateTransaction {
            try connection.prepare("UPDATE notifications SET closed_at = ? WHERE session_id = ? AND kind = ? AND closed_at IS NULL")
                .run([.int(now.milliseconds), .text(id.rawValue), .text(kind.rawValue)])
        }
    }

    /// The kinds of notification open for a session.
    public func openNotifications(for id: SessionID) throws -> [NotificationKind] {
        let rows = try connection.prepare("SELECT kind FROM notifications WHERE session_id = ? AND closed_at IS NULL ORDER BY opened_at")
        try rows.bind([.text(id.rawValue)])
        var kinds: [NotificationKind] = []
        while try rows.step() { if let kind = rows.text(0).flatMap(NotificationKind.init(rawValue:)) { kinds.append(kind) } }
        return kinds
    }

    // MARK: Screen memory

    /// What the screen heuristic saw last for a session: its hash and for how many passes it has not changed.
    public func screenMemory(for id: SessionID) throws -> (hash: String, unchangedPasses: Int)? {
        let rows = try connection.prepare("SELECT hash, unchanged_passes FROM screen_memory WHERE session_id = ?")
        try rows.bind([.text(id.rawValue)])
        guard try rows.step() else { return nil }
        return (rows.text(0) ?? "", Int(rows.int(1)))
    }

    public func setScreenMemory(for id: SessionID, hash: String, unchangedPasses: Int, at now: Timestamp) throws {
        try connection.immediateTransaction {
            try connection.prepare("INSERT INTO screen_memory (session_id, hash, unchanged_passes, at) VALUES (?, ?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET hash = excluded.hash, unchanged_passes = excluded.unchanged_passes, at = excluded.at")
                .run([.text(id.rawValue), .text(hash), .int(Int64(unchangedPasses)), .int(now.milliseconds)])
        }
    }
}

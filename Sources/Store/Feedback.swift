import Lifecycle
import Platform

/// Where the feedback rules' memory lives: one `forge_reactions` row per thing remembered. The
/// store only reads and writes what `FeedbackRules` decided; it decides nothing.
extension StateStore {
    /// Row kinds of the memory: one encoding each.
    enum MemoryRow: String {
        case ciFailure = "ci-failure"   // subject: topic form of the check; signature: conclusion
        case logWait = "log-wait"       // subject: topic form of the check; at: waiting since
        case thread                     // subject: thread id; signature: newest comment id
        case reviewBody = "review-body" // subject: review id
        case reviewNudges = "review-nudges" // subject: pull request number; sent_count
        case reviewCapped = "review-capped" // subject: pull request number
        case conflict                   // subject: "episode"; signature: local or github
    }

    /// Reads the memory, the pending nudges, then lets `decide` judge and render, and persists
    /// its decision — all in one `BEGIN IMMEDIATE` transaction, so two passes never both tell
    /// one fact. `decide` returns the decision and the text of each of its nudges, in order.
    @discardableResult
    public func updateFeedback(for id: SessionID, at now: Timestamp,
                               _ decide: (FeedbackMemory, [PendingNudge]) throws -> (FeedbackDecision, [String])) throws -> FeedbackDecision {
        try connection.immediateTransaction {
            let memory = try readFeedbackMemory(id)
            let pending = try pendingNudges(id)
            let (decision, texts) = try decide(memory, pending)
            precondition(texts.count == decision.nudges.count, "one text per nudge")
            let revision = try session(id)?.revision ?? 0
            let pendingByID = Dictionary(uniqueKeysWithValues: pending.map { ($0.id, $0) })
            for superseded in decision.supersede {
                guard let item = pendingByID[superseded] else { continue }
                try connection.prepare("UPDATE outbox SET delivered_at = ?, last_error = 'superseded' WHERE id = ? AND delivered_at IS NULL")
                    .run([.int(now.milliseconds), .int(superseded)])
                try appendEvent(SessionEvent(sessionID: id, at: now, kind: DeliveryEvent.nudgeSuperseded.rawValue, revision: revision,
                                             data: "{\"reason\":\(JSONValue.quote(item.reason.encoded))}"))
            }
            for (nudge, text) in zip(decision.nudges, texts) {
                try enqueue(.nudge(text: text, reason: nudge.reason.encoded), for: id, at: now)
            }
            for notice in decision.notices { try enqueue(.notify(notice.kind, message: notice.message), for: id, at: now) }
            if decision.memory != memory { try writeFeedbackMemory(decision.memory, for: id, at: now) }
            return decision
        }
    }

    /// The memory alone (for reading outside a decision: tests, `show`).
    public func feedbackMemory(for id: SessionID) throws -> FeedbackMemory { try readFeedbackMemory(id) }

    /// Nudges of a session still waiting in the outbox, with their decoded reasons.
    func pendingNudges(_ id: SessionID) throws -> [PendingNudge] {
        try pendingOutbox(session: id).filter { $0.kind == .nudge }.map { PendingNudge(id: $0.id, reason: NudgeReason.decode($0.reason)) }
    }

    private func readFeedbackMemory(_ id: SessionID) throws -> FeedbackMemory {
        let rows = try connection.prepare("SELECT kind, subject, signature, sent_count, at FROM forge_reactions WHERE session_id = ?")
        try rows.bind([.text(id.rawValue)])
        var memory = FeedbackMemory()
        while try rows.step() {
            let subject = rows.text(1) ?? "", signature = rows.text(2) ?? ""
            func check() -> CheckKey? {
                guard case .ciFailure(let head, let check)? = NudgeTopic(encoded: subject) else { return nil }
                return CheckKey(head: head, check: check)
            }
            switch MemoryRow(rawValue: rows.text(0) ?? "") {
            case .ciFailure?: if let key = check() { memory.failures[key] = signature }
            case .logWait?: if let key = check() { memory.logWaits[key] = Timestamp(milliseconds: rows.int(4)) }
            case .thread?:
                // Before: "#<pr>:<thread id>"; a thread's node id never starts with `#`.
                let thread = subject.hasPrefix("#") ? String(subject.split(separator: ":", maxSplits: 1).last ?? "") : subject
                memory.threads[thread] = Int64(signature) ?? 0
            case .reviewBody?: if let review = Int64(subject) { memory.reviewBodies.insert(review) }
            case .reviewNudges?: if let pr = Int(subject) { memory.reviewNudges[pr] = Int(rows.int(3)) }
            case .reviewCapped?: if let pr = Int(subject.hasPrefix("#") ? String(subject.dropFirst()) : subject) { memory.reviewCapped.insert(pr) }
            case .conflict?: memory.conflict = ConflictSource(rawValue: signature) ?? .github
            case nil:
                // Rows written before the rules moved into Lifecycle, read once more so an upgrade
                // tells nothing twice (the next write replaces them): `ci` "#<pr>:<check>" with
                // "<sha>|<conclusion>", `review-count` "#<pr>".
                let legacy = rows.text(0) ?? ""
                let afterPR = subject.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init)
                if legacy == "ci", let check = afterPR, let bar = signature.firstIndex(of: "|") {
                    memory.failures[CheckKey(head: String(signature[..<bar]), check: check)] = String(signature[signature.index(after: bar)...])
                } else if legacy == "review-count", let pr = Int(subject.dropFirst()) {
                    memory.reviewNudges[pr] = Int(rows.int(3))
                }
            }
        }
        return memory
    }

    /// Replaces the session's memory rows with `memory`.
    private func writeFeedbackMemory(_ memory: FeedbackMemory, for id: SessionID, at now: Timestamp) throws {
        try connection.prepare("DELETE FROM forge_reactions WHERE session_id = ?").run([.text(id.rawValue)])
        let insert = try connection.prepare("INSERT INTO forge_reactions (session_id, kind, subject, signature, sent_count, at) VALUES (?, ?, ?, ?, ?, ?)")
        func row(_ kind: MemoryRow, _ subject: String, _ signature: String = "", count: Int = 1, at: Timestamp = now) throws {
            try insert.run([.text(id.rawValue), .text(kind.rawValue), .text(subject), .text(signature), .int(Int64(count)), .int(at.milliseconds)])
        }
        func subject(_ key: CheckKey) -> String { NudgeTopic.ciFailure(head: key.head, check: key.check).encoded }
        for (key, conclusion) in memory.failures { try row(.ciFailure, subject(key), conclusion) }
        for (key, since) in memory.logWaits { try row(.logWait, subject(key), at: since) }
        for (thread, newest) in memory.threads { try row(.thread, thread, String(newest)) }
        for review in memory.reviewBodies { try row(.reviewBody, String(review)) }
        for (pr, count) in memory.reviewNudges { try row(.reviewNudges, String(pr), count: count) }
        for pr in memory.reviewCapped { try row(.reviewCapped, String(pr)) }
        if let source = memory.conflict { try row(.conflict, "episode", source.rawValue) }
    }

    /// Withdraws waiting nudges, with the change-log entry for each (delivery found them stale).
    public func withdrawNudges(_ ids: [Int64], for id: SessionID, why: String, at now: Timestamp) throws {
        try connection.immediateTransaction {
            let pending = try pendingNudges(id)
            let revision = try session(id)?.revision ?? 0
            for item in pending where ids.contains(item.id) {
                try connection.prepare("UPDATE outbox SET delivered_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL")
                    .run([.int(now.milliseconds), .text(why), .int(item.id)])
                try appendEvent(SessionEvent(sessionID: id, at: now, kind: DeliveryEvent.nudgeSuperseded.rawValue, revision: revision,
                                             data: "{\"reason\":\(JSONValue.quote(item.reason.encoded)),\"why\":\(JSONValue.quote(why))}"))
            }
        }
    }
}

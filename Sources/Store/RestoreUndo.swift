import Lifecycle

/// What undoing a restore needs beyond deleting what it created: the session row existed
/// before, so the rollback puts back the parts of it the restore changed, and takes back the
/// events that said so.
extension StateStore {
    /// The newest event sequence number of a session (0 when it has none).
    public func lastEventSeq(of id: SessionID) throws -> Int64 {
        try connection.scalar("SELECT COALESCE(MAX(seq), 0) FROM events WHERE session_id = ?", [.text(id.rawValue)]) ?? 0
    }

    /// Removes the events of kinds `kinds` that session `id` gained after `seq`, and gives an
    /// ended session back the port it had. Only for a restore that was rolled back: the port it
    /// assigned and the files it copied were undone with it, and a change log that still said
    /// so would be untrue. Other kinds (what an observation pass did meanwhile) stay. The
    /// revision moves on, so a writer that read the row before this notices.
    public func undoRestoreSteps(of id: SessionID, eventsAfter seq: Int64, kinds: [String], port: Int?) throws {
        try connection.immediateTransaction {
            if !kinds.isEmpty {
                let marks = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
                try connection.prepare("DELETE FROM events WHERE session_id = ? AND seq > ? AND kind IN (\(marks))")
                    .run([.text(id.rawValue), .int(seq)] + kinds.map { .text($0) })
            }
            try connection.prepare("UPDATE sessions SET port = ?, revision = revision + 1 WHERE id = ? AND terminal = 1 AND port IS NOT ?")
                .run([SQLValue(port.map { Int64($0) }), .text(id.rawValue), SQLValue(port.map { Int64($0) })])
        }
    }
}

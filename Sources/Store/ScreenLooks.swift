import Lifecycle

extension StateStore {
    /// When an observation pass last looked at each session's screen (for agents judged by it).
    public func screenLooks() throws -> [SessionID: Timestamp] {
        let rows = try connection.prepare("SELECT session_id, at FROM screen_memory")
        var looks: [SessionID: Timestamp] = [:]
        while try rows.step() {
            guard let id = rows.text(0) else { continue }
            looks[SessionID(id)] = Timestamp(milliseconds: rows.int(1))
        }
        return looks
    }
}

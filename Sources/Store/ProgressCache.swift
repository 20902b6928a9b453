import Lifecycle
import Platform

/// Each session's progress figures (ahead, behind, lines added and removed) with the key they
/// were computed for, in `<common-dir>/ao/progress/<id>.json`: a side file rather than a row,
/// so that computing them never waits for the database's write lock and works where the
/// database is read-only. Losing one costs a recomputation, nothing more.
public struct ProgressCache: Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var key: String
        public var ahead: Int
        public var behind: Int
        public var insertions: Int
        public var deletions: Int
        public var dirty: Bool
        public var baseIsRecorded: Bool
        /// Path -> (mtime, size, inode) of every file the figures depend on, as the Worktree
        /// target took them; the figures hold while all are unchanged.
        public var snapshot: [String: String]

        public init(key: String, ahead: Int, behind: Int, insertions: Int, deletions: Int,
                    dirty: Bool, baseIsRecorded: Bool, snapshot: [String: String]) {
            (self.key, self.ahead, self.behind, self.insertions, self.deletions) = (key, ahead, behind, insertions, deletions)
            (self.dirty, self.baseIsRecorded, self.snapshot) = (dirty, baseIsRecorded, snapshot)
        }
    }

    public let directory: String

    public init(aoDirectory: String) { directory = aoDirectory + "/progress" }

    func path(_ id: SessionID) -> String { directory + "/\(id.rawValue).json" }

    /// The figures last kept for the session (nil: none, or unreadable).
    public func entry(for id: SessionID) -> Entry? {
        guard let text = readFile(path(id)) else { return nil }
        return try? JSON.decode(Entry.self, from: text)
    }

    /// Keeps the figures, replacing the file whole (a reader never sees half of one). Quietly
    /// does nothing where it cannot write (a read-only repository): the figures are still shown.
    public func keep(_ entry: Entry, for id: SessionID) {
        if !isDirectory(directory) { _ = try? makeDirectories(directory) }
        try? writeFileAtomically(path(id), Array(JSON.encode(entry).utf8), mode: 0o644)
    }
}

import Lifecycle
import Platform

/// Each session's progress figures (ahead, behind, lines added and removed) with the key they
/// were computed for, in `<common-dir>/ao/progress/<id>`: a side file rather than a row,
/// so that computing them never waits for the database's write lock and works where the
/// database is read-only. Losing one costs a recomputation, nothing more.
public struct ProgressCache: Sendable {
    public struct Entry: Equatable, Sendable {
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

    func path(_ id: SessionID) -> String { directory + "/\(id.rawValue)" }

    /// The figures last kept for the session (nil: none, or unreadable).
    ///
    /// A line format rather than JSON: status reads one of these per live session on every
    /// `-v` and `--json` call, and Foundation's decoder cost more than everything else done
    /// for a cache hit. Line 1: `v1 <ahead> <behind> <insertions> <deletions> <dirty 0|1>
    /// <base recorded 0|1>`; line 2: the key; then one `<stat>\t<path>` line per snapshot file.
    public func entry(for id: SessionID) -> Entry? {
        guard let text = readFile(path(id)) else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let head = lines.popFirst(), let key = lines.popFirst() else { return nil }
        let fields = head.split(separator: " ")
        guard fields.count == 7, fields[0] == "v1" else { return nil }
        let n = fields.dropFirst().compactMap { Int($0) }
        guard n.count == 6 else { return nil }
        var snapshot: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let tab = line.firstIndex(of: "\t") else { return nil }
            snapshot[String(line[line.index(after: tab)...])] = String(line[..<tab])
        }
        return Entry(key: String(key), ahead: n[0], behind: n[1], insertions: n[2], deletions: n[3],
                     dirty: n[4] == 1, baseIsRecorded: n[5] == 1, snapshot: snapshot)
    }

    /// Keeps the figures, replacing the file whole (a reader never sees half of one). Quietly
    /// does nothing where it cannot write (a read-only repository): the figures are still shown.
    /// Paths with a newline or tab are left out of the snapshot, which then never holds.
    public func keep(_ entry: Entry, for id: SessionID) {
        if !isDirectory(directory) { _ = try? makeDirectories(directory) }
        var text = "v1 \(entry.ahead) \(entry.behind) \(entry.insertions) \(entry.deletions) \(entry.dirty ? 1 : 0) \(entry.baseIsRecorded ? 1 : 0)\n"
        text += entry.key.replacingAll("\n", with: " ") + "\n"
        var unsafe = false
        for (path, stat) in entry.snapshot.sorted(by: { $0.key < $1.key }) {
            if path.contains("\n") || path.contains("\t") { unsafe = true; continue }
            text += stat + "\t" + path + "\n"
        }
        // A line no stat can equal: the snapshot never holds.
        if unsafe { text += "unsafe\t/\n" }
        try? writeFileAtomically(path(id), Array(text.utf8), mode: 0o644)
    }
}

import CGit2
import Glibc

/// A worktree's progress against its base, as worktrunk's `wt list` shows it.
///
/// - `ahead`, `behind`: commits HEAD has that the base lacks, and the reverse.
/// - `insertions`, `deletions`: lines added and removed from the merge base of HEAD and the
///   base to the worktree as it is (committed and uncommitted together, staged or not), in
///   tracked files: `git diff --shortstat $(git merge-base HEAD base)`. Untracked files are not
///   counted (git diff does not count them either); binary files count no lines.
/// - `dirty`: uncommitted changes, which is what `git status --porcelain` lists: a tracked
///   change, staged or not, or an untracked file that is not ignored.
public struct WorktreeProgress: Equatable, Sendable {
    /// The figures worth keeping between calls: computing them walks history and diffs files.
    public struct Counts: Equatable, Sendable {
        public var ahead: Int
        public var behind: Int
        public var insertions: Int
        public var deletions: Int

        public init(ahead: Int, behind: Int, insertions: Int, deletions: Int) {
            (self.ahead, self.behind, self.insertions, self.deletions) = (ahead, behind, insertions, deletions)
        }
    }

    public var counts: Counts
    public var dirty: Bool
    /// The base ref no longer resolves: counted from the base commit recorded at spawn.
    public var baseIsRecorded: Bool
    /// What the counts were computed from: HEAD, the base commit, the index file, and every
    /// uncommitted path with its status and (in the worktree) its modification time and size.
    /// Equal keys give equal counts.
    public var key: String
    /// The counts were computed by this call (false: `reuse` had them).
    public var computed: Bool
    /// The (mtime, size, inode) of every file whose change could change these figures: HEAD and
    /// the branch it names, the base ref's possible files, packed-refs, the index, every tracked
    /// file and every folder holding one (a new untracked file changes its folder). While
    /// `snapshotHolds` says they are all unchanged, so are the figures, and nothing needs
    /// libgit2 (whose loading alone costs more than everything else status does). Empty for
    /// worktrees with more than `snapshotLimit` tracked files: they are scanned every time.
    public var snapshot: [String: String] = [:]

    public static let snapshotLimit = 5_000

    public init(counts: Counts, dirty: Bool, baseIsRecorded: Bool, key: String, computed: Bool, snapshot: [String: String] = [:]) {
        (self.counts, self.dirty, self.baseIsRecorded, self.key, self.computed, self.snapshot) = (counts, dirty, baseIsRecorded, key, computed, snapshot)
    }

    /// Whether every file of a snapshot is as it was. Plain stat calls: libgit2 is not loaded.
    public static func snapshotHolds(_ snapshot: [String: String]) -> Bool {
        !snapshot.isEmpty && snapshot.allSatisfy { Repository.statKey($0.key) == $0.value }
    }
}

extension Repository {
    /// The progress of the worktree at `path` against `baseRef` (resolved now, so a base that
    /// moved on is seen as `behind`), or against `recordedBase` when that ref is gone. Nil when
    /// there is nothing to count: no worktree there, or HEAD has no commit yet. `reuse` gives the
    /// counts a previous call computed for the same key, so only the status scan is paid (the
    /// stat walk `git status` makes); the history walk and the diff are not.
    public static func progress(ofWorktreeAt path: String, baseRef: String, recordedBase: String,
                                reuse: (String) -> WorktreeProgress.Counts?) throws -> WorktreeProgress? {
        var info = stat()
        guard stat(path + "/.git", &info) == 0 else { return nil }
        let repo = try Repository.open(at: path)
        guard let head = try repo.headSHA() else { return nil }
        var baseIsRecorded = false
        var base = try? repo.resolveRevision(baseRef)?.sha
        if base == nil {
            guard try repo.isCommit(recordedBase) else { return nil }
            (base, baseIsRecorded) = (recordedBase, true)
        }
        guard let base else { return nil }
        let scan = try repo.uncommitted()
        let key = "\(head) \(base) \(scan.fingerprint)"
        // Taken before the figures, so a change made while they are computed breaks it.
        let snapshot = try repo.snapshot(baseRef: baseRef)
        if let counts = reuse(key) {
            return WorktreeProgress(counts: counts, dirty: scan.dirty, baseIsRecorded: baseIsRecorded, key: key, computed: false, snapshot: snapshot)
        }
        let (ahead, behind) = try repo.aheadBehind(head, base)
        let lines = try repo.linesChanged(since: try repo.mergeBase(head, base))
        return WorktreeProgress(counts: .init(ahead: ahead, behind: behind, insertions: lines.insertions, deletions: lines.deletions),
                                dirty: scan.dirty, baseIsRecorded: baseIsRecorded, key: key, computed: true, snapshot: snapshot)
    }

    /// See `WorktreeProgress.snapshot`. The base ref's files are every place git's rev-parse
    /// rules look for it (`<ref>`, `refs/<ref>`, `refs/tags/`, `refs/heads/`, `refs/remotes/`),
    /// present or not: a ref that appears or vanishes changes the snapshot too.
    func snapshot(baseRef: String) throws -> [String: String] {
        var index: OpaquePointer?
        try Git.check(ao_git_repository_index(&index, pointer), "could not read the index of '\(workdir ?? gitDir)'")
        defer { ao_git_index_free(index) }
        let count = ao_git_index_entrycount(index)
        guard count <= WorktreeProgress.snapshotLimit, let top = workdir else { return [:] }
        var paths = [gitDir + "/HEAD", gitDir + "/index", commonDir + "/packed-refs", top]
        if let target = try symbolicTarget(of: "HEAD") { paths.append(commonDir + "/" + target) }
        for prefix in ["", "refs/", "refs/tags/", "refs/heads/", "refs/remotes/"] { paths.append(commonDir + "/" + prefix + baseRef) }
        var folders = Set<String>()
        for n in 0..<count {
            guard let entry = ao_git_index_get_byindex(index, n), let raw = entry.pointee.path else { continue }
            let path = String(cString: raw)
            paths.append(top + "/" + path)
            var folder = path
            while let slash = folder.lastIndex(of: "/") {
                folder = String(folder[..<slash])
                guard folders.insert(folder).inserted else { break }
            }
        }
        paths += folders.map { top + "/" + $0 }
        return Dictionary(paths.map { ($0, Repository.statKey($0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether `sha` names a commit this repository has.
    func isCommit(_ sha: String) throws -> Bool {
        guard var oid = git_oid(hex: sha) else { return false }
        var commit: OpaquePointer?
        let code = ao_git_commit_lookup(&commit, pointer, &oid)
        if code == GIT_ENOTFOUND.rawValue { ao_git_error_clear(); return false }
        try Git.check(code, "could not read commit \(String(sha.prefix(7)))")
        ao_git_commit_free(commit)
        return true
    }

    /// Lines added and removed from commit `sha` (nil: from nothing) to the worktree with its index.
    func linesChanged(since sha: String?) throws -> (insertions: Int, deletions: Int) {
        var tree: OpaquePointer?
        if let sha, var oid = git_oid(hex: sha) {
            var commit: OpaquePointer?
            try Git.check(ao_git_commit_lookup(&commit, pointer, &oid), "could not read commit \(String(sha.prefix(7)))")
            defer { ao_git_commit_free(commit) }
            try Git.check(ao_git_commit_tree(&tree, commit), "could not read the tree of \(String(sha.prefix(7)))")
        }
        defer { if let tree { ao_git_tree_free(tree) } }
        var options = git_diff_options()
        try Git.check(ao_git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "could not prepare diff options")
        var diff: OpaquePointer?
        try Git.check(ao_git_diff_tree_to_workdir_with_index(&diff, pointer, tree, &options), "could not compare the worktree with its merge base")
        defer { ao_git_diff_free(diff) }
        var stats: OpaquePointer?
        try Git.check(ao_git_diff_get_stats(&stats, diff), "could not count the changed lines")
        defer { ao_git_diff_stats_free(stats) }
        return (Int(ao_git_diff_stats_insertions(stats)), Int(ao_git_diff_stats_deletions(stats)))
    }

    /// Whether the worktree has uncommitted changes, and a fingerprint of them: each changed
    /// path with its status and, for a change in the worktree, its modification time and size,
    /// plus the index file's. An edit that keeps a file's size still moves its mtime.
    func uncommitted() throws -> (dirty: Bool, fingerprint: String) {
        var options = git_status_options()
        try Git.check(ao_git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "could not prepare status options")
        // Untracked directories are reported once, not walked: dirty is all that is asked of them.
        options.flags = UInt32(GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue)
        var list: OpaquePointer?
        try Git.check(ao_git_status_list_new(&list, pointer, &options), "could not read the status of '\(workdir ?? gitDir)'")
        defer { ao_git_status_list_free(list) }
        var hash = Fingerprint()
        hash.add(Repository.statKey(gitDir + "/index"))
        let top = workdir ?? ""
        var dirty = false
        for index in 0..<ao_git_status_list_entrycount(list) {
            guard let entry = ao_git_status_byindex(list, index) else { continue }
            let status = entry.pointee.status.rawValue
            guard status & ~GIT_STATUS_IGNORED.rawValue != 0 else { continue }
            dirty = true
            let delta = entry.pointee.index_to_workdir ?? entry.pointee.head_to_index
            guard let delta, let raw = delta.pointee.new_file.path ?? delta.pointee.old_file.path else { continue }
            // The path's own bytes: a name that is not UTF-8 must still be found by lstat.
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw)))
            hash.add("\(status) " + String(decoding: bytes, as: UTF8.self) + " \(bytes.count)")
            if entry.pointee.index_to_workdir != nil { hash.add(Repository.statKey(Array(top.utf8) + [UInt8(ascii: "/")] + bytes)) }
        }
        return (dirty, hash.hex)
    }

    /// A file's modification time (ns), size and inode, or `-` when it is missing.
    static func statKey(_ path: String) -> String { statKey(Array(path.utf8)) }

    static func statKey(_ path: [UInt8]) -> String {
        var info = stat()
        let found = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { lstat($0, &info) == 0 }
        }
        guard found else { return "-" }
        return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_size) \(info.st_ino)"
    }
}

/// FNV-1a (64 bit) over strings: a short key for a list of paths, not a security measure.
struct Fingerprint {
    private var value: UInt64 = 0xcbf29ce484222325
    private var count = 0

    mutating func add(_ text: String) {
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100000001b3 }
        value = (value ^ 0x0A) &* 0x100000001b3
        count += 1
    }

    var hex: String { String(value, radix: 16) + "/\(count)" }
}

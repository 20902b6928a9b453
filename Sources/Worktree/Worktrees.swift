import CGit2
import Glibc

/// One worktree of a repository, main or linked, whoever created it (git or git-ao).
public struct WorktreeInfo: Equatable, Sendable {
    /// The name of its folder under `<common-dir>/worktrees/`; nil for the main worktree.
    public let name: String?
    public let path: String
    /// The branch checked out there (short name), nil when HEAD is detached or unreadable.
    public let branch: String?
    public let isLocked: Bool
    /// False when git's bookkeeping points at a directory that is gone (`git worktree prune` fodder).
    public let isValid: Bool
    public var isMain: Bool { name == nil }
}

/// What a worktree holds that is not committed.
public struct WorktreeChanges: Equatable, Sendable {
    public let tracked: Int
    public let untracked: Int
    public var isClean: Bool { tracked == 0 && untracked == 0 }
}

extension Repository {
    /// Every worktree, the main one first. Sees worktrees made by `git worktree add` as well.
    public func worktrees() throws -> [WorktreeInfo] {
        let main = try mainRepository()
        var result: [WorktreeInfo] = []
        if let path = main.workdir {
            result.append(WorktreeInfo(name: nil, path: path, branch: try main.currentBranch(), isLocked: false, isValid: true))
        }
        var names = git_strarray()
        try Git.check(ao_git_worktree_list(&names, main.pointer), "could not list worktrees")
        defer { ao_git_strarray_dispose(&names) }
        for index in 0..<names.count {
            guard let name = string(names.strings[index]) else { continue }
            var wt: OpaquePointer?
            guard ao_git_worktree_lookup(&wt, main.pointer, name) == 0 else { ao_git_error_clear(); continue }
            defer { ao_git_worktree_free(wt) }
            let path = trimmed(string(ao_git_worktree_path(wt))) ?? ""
            let valid = ao_git_worktree_validate(wt) == 0
            if !valid { ao_git_error_clear() }
            var reason = git_buf()
            let locked = ao_git_worktree_is_locked(&reason, wt) > 0
            ao_git_buf_dispose(&reason)
            result.append(WorktreeInfo(name: name, path: path, branch: main.branchInWorktree(named: name), isLocked: locked, isValid: valid))
        }
        return result
    }

    /// The branch a linked worktree's HEAD names, read through libgit2.
    private func branchInWorktree(named name: String) -> String? {
        var ref: OpaquePointer?
        guard ao_git_repository_head_for_worktree(&ref, pointer, name) == 0 else { ao_git_error_clear(); return nil }
        defer { ao_git_reference_free(ref) }
        let full = string(ao_git_reference_symbolic_target(ref)) ?? string(ao_git_reference_name(ref))
        guard let full, full.hasPrefix("refs/heads/") else { return nil }
        return String(full.dropFirst("refs/heads/".count))
    }

    /// Whether any worktree has local branch `name` checked out (libgit2's worktree-aware check).
    public func isCheckedOut(branch name: String) throws -> Bool {
        var ref: OpaquePointer?
        let code = ao_git_branch_lookup(&ref, pointer, name, GIT_BRANCH_LOCAL)
        if code == GIT_ENOTFOUND.rawValue { ao_git_error_clear(); return false }
        try Git.check(code, "could not find branch '\(name)'")
        defer { ao_git_reference_free(ref) }
        return try withWorktreeLock {
            try Git.check(ao_git_branch_is_checked_out(ref), "could not tell where '\(name)' is checked out") == 1
        }
    }

    /// The worktree that has branch `name` checked out, if any.
    public func worktree(holding name: String) throws -> WorktreeInfo? {
        guard try isCheckedOut(branch: name) else { return nil }
        return try worktrees().first { $0.branch == name && $0.isValid }
    }

    /// A worktree name derived from `base` that git accepts as a folder under
    /// `<common-dir>/worktrees/` and that no worktree (live or stale) uses yet.
    public func availableWorktreeName(base: String) -> String {
        var clean = String(base.map { c -> Character in
            (c.isASCII && (c.isLetter || c.isNumber)) || c == "-" || c == "_" || c == "." ? c : "-"
        })
        while clean.hasPrefix(".") { clean.removeFirst() }
        if clean.isEmpty { clean = "worktree" }
        var candidate = clean
        var suffix = 2
        while access(commonDir + "/worktrees/" + candidate, F_OK) == 0 {
            candidate = "\(clean)-\(suffix)"
            suffix += 1
        }
        return candidate
    }

    /// Adds a linked worktree at `path` (absolute; must not exist) with local branch `branch`
    /// checked out. On failure nothing is left behind: libgit2 leaves an empty
    /// `<common-dir>/worktrees/<name>/` after a failed add, which would make every later
    /// `git_branch_is_checked_out` answer true, so it is removed here.
    public func addWorktree(name: String, path: String, branch: String) throws -> WorktreeInfo {
        let main = try mainRepository()
        let adminDir = main.commonDir + "/worktrees/" + name
        let adminExisted = access(adminDir, F_OK) == 0
        var ref: OpaquePointer?
        try Git.check(ao_git_branch_lookup(&ref, main.pointer, branch, GIT_BRANCH_LOCAL), "could not find branch '\(branch)'")
        defer { ao_git_reference_free(ref) }

        // libgit2 creates `<common-dir>/worktrees` with an exclusive mkdir: two first adds in a
        // repository at the same moment would make one of them fail. Make sure it exists.
        if mkdir(main.commonDir + "/worktrees", 0o755) != 0 && errno != EEXIST {
            throw GitError(context: "could not create '\(main.commonDir)/worktrees'", code: -1, message: String(cString: strerror(errno)))
        }
        var options = git_worktree_add_options()
        try Git.check(ao_git_worktree_add_options_init(&options, UInt32(GIT_WORKTREE_ADD_OPTIONS_VERSION)), "could not prepare worktree options")
        options.ref = ref
        if let tip = ao_git_reference_target(ref)?.pointee.hex, !main.checkoutNeedsFilters(commit: tip) {
            options.checkout_options.disable_filters = 1
        }
        // Under the worktree lock: another process's half-made admin folder would make this add
        // fail with "reference is already checked out" (see `withWorktreeLock`).
        try main.withWorktreeLock {
            var wt: OpaquePointer?
            let code = ao_git_worktree_add(&wt, main.pointer, name, path, &options)
            if code < 0 {
                let error = Git.lastError(code: code, context: "could not create worktree '\(path)' for branch '\(branch)'")
                if !adminExisted { removeTree(adminDir) }
                removeTree(path)
                throw error
            }
            ao_git_worktree_free(wt)
        }
        return WorktreeInfo(name: name, path: path, branch: branch, isLocked: false, isValid: true)
    }

    /// Removes a linked worktree: its directory and git's bookkeeping for it.
    /// Refuses a locked worktree and the main one. A directory already gone is fine.
    ///
    /// The directory is first moved into the trash beside it (`WorktreeTrash`) in one rename,
    /// then git's entry is pruned (the working tree is no longer at its path, so libgit2 sees
    /// the entry as prunable), then the trash copy is deleted. Killed after the rename, git's
    /// entry names a missing folder (what `git worktree prune` and this function prune);
    /// killed during the delete, only trash is left, which the next sweep deletes. When the
    /// rename cannot be done (another filesystem, a mount point), libgit2 deletes in place.
    public func removeWorktree(at path: String) throws {
        let main = try mainRepository()
        guard let info = try worktrees().first(where: { samePath($0.path, path) }) else {
            if access(path, F_OK) == 0 {
                throw GitError(context: "'\(path)' is not a worktree of this repository", code: GIT_ENOTFOUND.rawValue)
            }
            return
        }
        guard let name = info.name else {
            throw GitError(context: "'\(path)' is the main worktree and cannot be removed", code: GIT_EINVALID.rawValue)
        }
        if info.isLocked {
            throw GitError(context: "worktree '\(path)' is locked (git worktree unlock '\(path)')", code: GIT_ELOCKED.rawValue)
        }
        let trash = WorktreeTrash.beside(path)
        defer { trash.sweep() }
        if let moved = trash.moveIn(path) {
            do {
                // No flag: only an entry whose working tree is gone is pruned.
                try main.prune(worktree: name, flags: 0, path: path)
            } catch {
                if moved.putBack(to: path) { throw error }
                throw GitError(context: "could not remove worktree '\(path)' (its files were moved to '\(moved.path)', which the next cleanup deletes)",
                               code: -1, message: "\(error)")
            }
            moved.delete()
            return
        }
        try main.prune(worktree: name, flags: UInt32(GIT_WORKTREE_PRUNE_VALID.rawValue | GIT_WORKTREE_PRUNE_WORKING_TREE.rawValue), path: path)
        // libgit2 leaves the directory when its .git file was already gone.
        if access(path, F_OK) == 0 { removeTree(path) }
    }

    /// `git_worktree_prune` of entry `name`, under the worktree lock.
    private func prune(worktree name: String, flags: UInt32, path: String) throws {
        var wt: OpaquePointer?
        try Git.check(ao_git_worktree_lookup(&wt, pointer, name), "could not find worktree '\(name)'")
        defer { ao_git_worktree_free(wt) }
        var options = git_worktree_prune_options()
        try Git.check(ao_git_worktree_prune_options_init(&options, UInt32(GIT_WORKTREE_PRUNE_OPTIONS_VERSION)), "could not prepare prune options")
        options.flags = flags
        _ = try withWorktreeLock {
            try Git.check(ao_git_worktree_prune(wt, &options), "could not remove worktree '\(path)'")
        }
    }

    /// Removes what a worktree add that was killed half-way (SIGKILL inside libgit2) left in
    /// `<common-dir>/worktrees/`: an empty entry (which makes libgit2 take every branch for
    /// checked out) older than `minimumAge` seconds, so an add in progress is never touched, and
    /// an entry whose `gitdir` names `.git` in `path` when that file does not exist.
    /// Returns the entries removed.
    public func pruneAbandonedAdminEntries(for path: String, minimumAge: Int = 10) -> [String] {
        guard let main = try? mainRepository() else { return [] }
        let root = main.commonDir + "/worktrees"
        var removed: [String] = []
        let now = time(nil)
        for name in directoryNames(atPath: root) {
            let admin = root + "/" + name
            var info = stat()
            guard lstat(admin, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            if rmdirIfEmpty(admin, olderThan: now - minimumAge, modified: info.st_mtim.tv_sec) { removed.append(name); continue }
            guard let text = readAdminFile(admin + "/gitdir"), let gitdir = trimmed(text.split(separator: "\n").first.map(String.init)) else {
                // No gitdir at all: killed before libgit2 wrote it. Only the entry named after
                // this worktree's folder can be told to be this one's.
                if name == lastComponent(path) {
                    removeTree(admin)
                    removed.append(name)
                }
                continue
            }
            if parentDirectory(gitdir) == path || samePath(parentDirectory(gitdir), path), access(gitdir, F_OK) != 0 {
                removeTree(admin)
                removed.append(name)
            }
        }
        return removed
    }

    /// Removes a directory at `path` that a killed worktree add left incomplete (its `.git` file
    /// missing or unusable), and git's entry for it. Refuses anything that opens as a repository:
    /// a complete worktree goes through `removeWorktree`, with its checks.
    public func removeIncompleteWorktree(at path: String) throws -> Bool {
        if access(path, F_OK) != 0 { return false }
        if (try? Repository.open(at: path)) != nil { return false }
        if let info = try? worktrees().first(where: { samePath($0.path, path) }), info.isLocked { return false }
        removeTree(path)
        _ = pruneAbandonedAdminEntries(for: path, minimumAge: 10)
        return true
    }

    private func lastComponent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    private func readAdminFile(_ path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(fd, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    private func rmdirIfEmpty(_ path: String, olderThan limit: Int, modified: Int) -> Bool {
        guard modified <= limit else { return false }
        return rmdir(path) == 0
    }

    private func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// Uncommitted changes in the worktree at `path`: tracked modifications (staged or not) and
    /// untracked files that are not ignored, the same things `git worktree remove` refuses to lose.
    public func changes(inWorktreeAt path: String) throws -> WorktreeChanges {
        let repo = try Repository.open(at: path)
        var options = git_status_options()
        try Git.check(ao_git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "could not prepare status options")
        options.flags = UInt32(GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue)
        var list: OpaquePointer?
        try Git.check(ao_git_status_list_new(&list, repo.pointer, &options), "could not read the status of '\(path)'")
        defer { ao_git_status_list_free(list) }
        var tracked = 0, untracked = 0
        for index in 0..<ao_git_status_list_entrycount(list) {
            guard let entry = ao_git_status_byindex(list, index) else { continue }
            let status = entry.pointee.status.rawValue
            if status & GIT_STATUS_WT_NEW.rawValue != 0 { untracked += 1 }
            else if status & ~GIT_STATUS_IGNORED.rawValue != 0 { tracked += 1 }
        }
        return WorktreeChanges(tracked: tracked, untracked: untracked)
    }
}

/// Two paths name the same directory (symlinks resolved where the paths exist).
public func samePath(_ a: String, _ b: String) -> Bool {
    if a == b { return true }
    return canonicalPath(a) == canonicalPath(b)
}

/// `realpath` when the path exists; the path itself otherwise.
public func canonicalPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}

import CGit2
import Glibc

extension Repository {
    /// The lock file that serialises worktree mutations across processes.
    public var worktreeLockPath: String { commonDir + "/ao/worktrees.lock" }

    /// Runs `body` while holding an exclusive `flock` on `<common-dir>/ao/worktrees.lock`.
    ///
    /// libgit2 1.5.1 creates `<common-dir>/worktrees/<name>/` before it has written its `HEAD`
    /// and `gitdir` files; while another process's folder is in that state,
    /// `git_branch_is_checked_out` answers true for every branch, so a concurrent worktree add
    /// fails with "reference is already checked out" and a branch delete refuses. Every libgit2
    /// call that creates or removes a worktree, or depends on `is_checked_out`, runs under this
    /// lock. It is held only for those calls (milliseconds), never across a whole spawn, and
    /// the kernel releases it if the process dies. Not reentrant: never nest two calls.
    package func withWorktreeLock<T>(_ body: () throws -> T) throws -> T {
        let path = worktreeLockPath
        let directory = String(path[..<path.lastIndex(of: "/")!])
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw GitError(context: "could not create '\(directory)'", code: -1, message: String(cString: strerror(errno)))
        }
        let fd = Glibc.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw GitError(context: "could not open the worktree lock '\(path)'", code: -1, message: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        adoptOwner(fd: fd, directory: directory)
        // Holders keep it for milliseconds; a minute means a stuck process, not contention.
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, waited < 60_000 else {
                throw GitError(context: "another git-ao process holds the worktree lock '\(path)' for over a minute", code: GIT_ELOCKED.rawValue)
            }
            usleep(5_000)
            waited += 5
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Whether the HEAD file of the main worktree or of any linked worktree names `branch`,
    /// read from the files themselves: a folder another process is still creating has no HEAD
    /// yet and names nothing, where libgit2 would say every branch is checked out there.
    func anyHeadNames(branch: String) -> Bool {
        let wanted = "ref: refs/heads/" + branch
        let heads = [commonDir + "/HEAD"] + directoryNames(atPath: commonDir + "/worktrees").map { commonDir + "/worktrees/" + $0 + "/HEAD" }
        return heads.contains { head in
            guard let file = fopen(head, "r") else { return false }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 4096)
            guard fgets(&buffer, Int32(buffer.count), file) != nil else { return false }
            let line = String(cString: buffer).trimmingCharacters(in: " \n\r\t")
            return line == wanted
        }
    }
}

/// Run as root (sudo), a file git-ao creates in its own directory takes that directory's owner.
private func adoptOwner(fd: Int32, directory: String) {
    guard geteuid() == 0 else { return }
    var dir = stat(), file = stat()
    guard stat(directory, &dir) == 0, fstat(fd, &file) == 0 else { return }
    if file.st_uid != dir.st_uid || file.st_gid != dir.st_gid { _ = fchown(fd, dir.st_uid, dir.st_gid) }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}

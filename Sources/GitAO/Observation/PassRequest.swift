import Glibc
import Lifecycle
import Platform

/// One background pass for a burst of hook events, not one per event.
///
/// Every commit (and every agent tool call that changes something) used to start a pass of its
/// own; back-to-back commits then competed with a queue of passes for the CPU. Now a hook leaves a
/// request file, `<common-dir>/ao/pending/<session>`, and starts a pass only when it created
/// that file. A pass consumes the file (unlinks it, then reads it) once it holds the observation
/// lock, before it reads any state: so a hook whose request was still in the file when the pass
/// consumed it is covered by that pass, and a hook that finds the file consumed creates a new one
/// and starts a new pass. Nothing a hook recorded can be missed by every pass.
///
/// The file's lines name the commits to review (`review <sha>`), when a pass was asked for
/// (`created <epoch-ms>`) and that pass's pid (`pass <pid>`). A pass holds a shared `flock` on
/// the file while it waits; the next hook starts a pass for a file nobody watches whose pass is
/// dead, or was asked for more than `staleAfter` ago and never came (killed, or never started).
/// The file is never replaced on that takeover: a hook's write to it cannot be lost.
enum PassRequest {
    /// How long a request must have been quiet (no hook added to it) before its pass takes it,
    /// so a burst (a rebase, `git am`, a loop of commits) gets one pass; and the longest a pass
    /// waits for a burst to end.
    static let settle = 0.03
    static let longestSettle = 0.5
    /// An unwatched request file older than this lost its pass.
    static let staleAfter: Int64 = 3_000

    static func path(aoDirectory: String, session: SessionID) -> String {
        aoDirectory + "/pending/" + session.rawValue
    }

    /// The hook's side: records the request (and the commit to review, if any), and calls
    /// `start` to start a pass (returning its pid) only when no pass that has yet to consume a
    /// request will see this one. `start` gets the commit to review when the request file could
    /// not carry it (the pass must then review it itself), else nil.
    static func post(aoDirectory: String, session: SessionID, review sha: String?, start: (String?) -> pid_t?) {
        let path = path(aoDirectory: aoDirectory, session: session)
        // Every hook writes a line, so the file's modification time says when the last one came.
        let line = sha.map { "review \($0)\n" } ?? "event\n"
        for _ in 0..<16 {
            let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
            if created >= 0 {
                defer { close(created) }
                // Held until the pass's pid is written: nobody judges a request being made stale.
                flock(created, LOCK_EX)
                adoptDirectoryOwner(fd: created, path: path)
                _ = writeAll(created, Array(line.utf8))
                // A pass that watched it before our lock may have consumed it before our write.
                guard isLinked(created) else { continue }
                startPass(created, start)
                return
            }
            if errno == ENOENT {
                // The first request in this repository: the folder is made, then we try again.
                let folder = aoDirectory + "/pending"
                if (try? makeDirectories(folder, mode: 0o700)) == nil { break }
                // Made by root (a hook under sudo): it belongs to whoever owns ao/, like its files.
                let dirFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if dirFD >= 0 {
                    adoptDirectoryOwner(fd: dirFD, path: folder)
                    close(dirFD)
                }
                continue
            }
            guard errno == EEXIST else { break }
            let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }  // consumed in between: make a new one
            defer { close(fd) }
            _ = writeAll(fd, Array(line.utf8))
            // Unlinked: a pass consumed it, perhaps before our write; a new request, then.
            guard isLinked(fd) else { continue }
            // Still linked after our write: whoever consumes it reads our write and everything
            // we recorded before it. Unless its pass is gone: then we start one, for the file as
            // it is (taken over under the lock, so by one hook only).
            takeOverIfStale(fd, start)
            return
        }
        // The request file cannot be used: a pass of our own that carries the review itself.
        _ = start(sha)
    }

    /// Starts a pass for the request open on `fd` when nobody watches it and its pass is dead or
    /// never came. Returns whether it did.
    @discardableResult
    private static func takeOverIfStale(_ fd: Int32, _ start: (String?) -> pid_t?) -> Bool {
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        defer { flock(fd, LOCK_UN) }
        lseek(fd, 0, SEEK_SET)
        guard isStale(String(decoding: readToEnd(fd) ?? [], as: UTF8.self)) else { return false }
        startPass(fd, start)
        return true
    }

    /// Removes the request named `name` (one that names no session).
    static func discard(aoDirectory: String, name: String) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return }
        unlink(aoDirectory + "/pending/" + name)
    }

    /// Every pass's side: requests of any session whose pass died (killed, or gave up on a
    /// busy observation lock) get a pass now, instead of waiting for that session's next hook.
    /// Returns the sessions it started passes for.
    @discardableResult
    static func sweep(aoDirectory: String, start: (SessionID) -> pid_t?) -> [SessionID] {
        let folder = aoDirectory + "/pending"
        var started: [SessionID] = []
        for name in directoryNames(folder) {
            let fd = open(folder + "/" + name, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let session = SessionID(name)
            if takeOverIfStale(fd, { _ in start(session) }) { started.append(session) }
        }
        return started
    }

    /// Records when the pass was asked for and, once started, its pid: the next hook then knows
    /// at once when it died before it consumed the request.
    private static func startPass(_ fd: Int32, _ start: (String?) -> pid_t?) {
        _ = writeAll(fd, Array("created \(Clock.epochMilliseconds())\n".utf8))
        if let pid = start(nil) { _ = writeAll(fd, Array("pass \(pid)\n".utf8)) }
    }

    /// A pass's hold on the request it will consume.
    final class Watch {
        private var fd: Int32
        let path: String

        fileprivate init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        deinit { if fd >= 0 { close(fd) } }

        /// Waits until no hook has added to the request for `settle` seconds (at most
        /// `longestSettle` in all): the burst it belongs to is over.
        func waitForQuiet() {
            let deadline = Clock.monotonicSeconds() + PassRequest.longestSettle
            var pause = PassRequest.settle
            while pause > 0 && Clock.monotonicSeconds() < deadline {
                Clock.sleep(min(pause, max(0, deadline - Clock.monotonicSeconds())))
                var info = stat()
                guard fd >= 0, fstat(fd, &info) == 0 else { return }
                let written = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
                let quiet = Double(Clock.epochMilliseconds()) / 1000 - written
                pause = PassRequest.settle - quiet
            }
        }

        /// Unlinks the request and returns the commits it asks to review (oldest first); none
        /// when another pass consumed it first. Call it with the observation lock held, before
        /// reading any state.
        func consume() -> [String] {
            guard fd >= 0 else { return [] }
            defer { close(fd); fd = -1 }
            guard sameFile(fd, path) else { return [] }
            unlink(path)
            lseek(fd, 0, SEEK_SET)
            return PassRequest.reviews(in: String(decoding: readToEnd(fd) ?? [], as: UTF8.self))
        }
    }

    /// The pass's side, at its start: the request it will serve, watched (nil when there is
    /// none: another pass consumed it after every write it holds, so there is nothing to do).
    static func watch(aoDirectory: String, session: SessionID) -> Watch? {
        let path = path(aoDirectory: aoDirectory, session: session)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        flock(fd, LOCK_SH)
        return Watch(fd: fd, path: path)
    }

    /// The commits a request names (`review <sha>` lines), oldest first.
    fileprivate static func reviews(in content: String) -> [String] {
        value(of: "review", in: content).filter(GitRefs.isSHA)
    }

    /// The values of `key` lines, in order.
    private static func value(of key: String, in content: String) -> [String] {
        content.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[0] == key ? String(parts[1]) : nil
        }
    }

    /// Its latest pass is dead, or never came: asked for longer than `staleAfter` ago and not
    /// watching (the caller holds the lock a watching pass, or the hook making the file, holds).
    /// A file with no `created` line lost its hook while being made.
    private static func isStale(_ content: String) -> Bool {
        if let pid = value(of: "pass", in: content).last.flatMap({ pid_t($0) }), pid > 0, Subprocess.isGone(pid) { return true }
        guard let created = value(of: "created", in: content).last.flatMap({ Int64($0) }) else { return true }
        return Clock.epochMilliseconds() - created > staleAfter
    }

    private static func isLinked(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && info.st_nlink > 0
    }

    /// Whether `path` still names the file open on `fd` (a taken-over request was not replaced).
    fileprivate static func sameFile(_ fd: Int32, _ path: String) -> Bool {
        var open = stat(), named = stat()
        return fstat(fd, &open) == 0 && stat(path, &named) == 0 && open.st_ino == named.st_ino && open.st_dev == named.st_dev
    }
}

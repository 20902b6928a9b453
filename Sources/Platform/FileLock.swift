import Glibc

/// An exclusive `flock` on a file, held while the object lives (and released by the kernel if
/// the process dies, so a crash never leaves a stale lock).
package final class FileLock {
    package let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Takes the lock, waiting up to `wait` seconds; nil if another process still holds it.
    package static func acquire(_ path: String, wait: Double) throws -> FileLock? {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError(path: path, operation: "open lock", code: errno) }
        adoptDirectoryOwner(fd: fd, path: path)
        let deadline = Clock.monotonicSeconds() + wait
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Clock.monotonicSeconds() < deadline else {
                close(fd)
                return nil
            }
            Clock.sleep(0.02)
        }
        return FileLock(path: path, fd: fd)
    }

    /// Writes this process's id into the lock file, for whoever finds it taken.
    package func recordOwner() {
        ftruncate(fd, 0)
        lseek(fd, 0, SEEK_SET)
        writeAll(fd, Array("\(getpid())\n".utf8))
    }

    /// Whether some process holds the lock at `path` now: nil when there is no such file (nobody
    /// took it yet). Never creates the file and never keeps a lock.
    package static func isHeld(_ path: String) -> Bool? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }

    /// The process id written by the holder, if any.
    package static func owner(of path: String) -> Int32? {
        readFile(path).flatMap { Int32($0.trimmingSpaces) }
    }

    package func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }
}

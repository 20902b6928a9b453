import Glibc

/// An exclusive `flock` on a file, held while the object lives (and released by the kernel if
/// the process dies, so a crash never leaves a stale lock).
final class FileLock {
    let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Takes the lock, waiting up to `wait` seconds; nil if another process still holds it.
    static func acquire(_ path: String, wait: Double) throws -> FileLock? {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError(path: path, operation: "open lock", code: errno) }
        let deadline = monotonicSeconds() + wait
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, monotonicSeconds() < deadline else {
                close(fd)
                return nil
            }
            Clock.sleep(0.02)
        }
        return FileLock(path: path, fd: fd)
    }

    /// Writes this process's id into the lock file, for whoever finds it taken.
    func recordOwner() {
        ftruncate(fd, 0)
        let text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, text.count, 0) }
    }

    /// The process id written by the holder, if any.
    static func owner(of path: String) -> Int32? {
        readFile(path).flatMap { Int32($0.trimmingSpaces) }
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }
}

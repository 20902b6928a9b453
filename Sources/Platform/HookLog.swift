import Glibc

/// `<common-dir>/ao/hooks.log`: where git hooks, agents' hooks and background passes write what
/// went wrong, since they must never fail or print into someone's `git commit`. Capped at
/// 1 MiB: a full log moves to hooks.log.1 (replacing the previous one).
package enum HookLog {
    package static let fileName = "hooks.log"
    package static let limit = 1 << 20

    package static func path(aoDirectory: String) -> String { aoDirectory + "/" + fileName }

    package static func append(_ message: String, aoDirectory: String) {
        guard isDirectory(aoDirectory) else { return }
        let path = self.path(aoDirectory: aoDirectory)
        rotateIfFull(path)
        let line = "\(isoTimestamp(milliseconds: Clock.epochMilliseconds())) [\(getpid())] \(message)\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        adoptDirectoryOwner(fd: fd, path: path)
        writeAll(fd, Array(line.utf8))
    }

    package static func rotateIfFull(_ path: String) {
        var info = stat()
        if stat(path, &info) == 0 && info.st_size >= limit { rename(path, path + ".1") }
    }
}

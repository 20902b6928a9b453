import Glibc

/// Small POSIX file helpers. git-ao writes few files; each is written whole and privately.

/// The file's contents as UTF-8 text (invalid bytes repaired), or nil when it cannot be read.
package func readFile(_ path: String) -> String? {
    readBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

package func readBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return readToEnd(fd)
}

/// Everything `fd` yields until end of file (retrying interrupted reads); nil on a read error.
package func readToEnd(_ fd: Int32) -> [UInt8]? {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n > 0 { result += buffer[0..<n]; continue }
        if n < 0 && errno == EINTR { continue }
        return n == 0 ? result : nil
    }
}

/// Writes all of `bytes` to `fd`, retrying short and interrupted writes. Returns 0, or the
/// errno of the write that failed (EPIPE when the reader went away).
@discardableResult
package func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return errno }
        if n == 0 { return EIO }
        offset += n
    }
    return 0
}

/// Reads standard input up to `limit` bytes, giving up after `timeout` seconds without data
/// (a hook payload is small, and a hook must never hang on a stdin nobody closes).
package func readStandardInput(limit: Int, timeout: Double) -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    let deadline = Clock.monotonicSeconds() + timeout
    while result.count < limit {
        var entry = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        // The timeout bounds waiting, not reading: a process the scheduler started late still
        // reads what its writer put in the pipe long ago (past the deadline it only stops waiting).
        let left = deadline - Clock.monotonicSeconds()
        let ready = poll(&entry, 1, left > 0 ? Int32(left * 1000) + 1 : 0)
        if ready < 0 && errno == EINTR { continue }
        if ready <= 0 { break }
        let n = read(0, &buffer, min(buffer.count, limit - result.count))
        if n > 0 { result += buffer[0..<n]; continue }
        if n < 0 && errno == EINTR { continue }
        break
    }
    return result
}

/// Reads all of standard input.
package func readStandardInput() -> [UInt8] {
    readToEnd(0) ?? []
}

package struct FileError: Error, CustomStringConvertible {
    package let path: String
    package let operation: String
    package let code: Int32
    package var description: String { "could not \(operation) '\(path)': \(String(cString: strerror(code)))" }

    package init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }
}

/// Writes `bytes` to `path` through a temporary file and rename, so readers never see half a file.
/// With `exclusive`, refuses to replace an existing file.
package func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600, exclusive: Bool = false) throws {
    let temp = path + ".tmp-\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw FileError(path: temp, operation: "create", code: errno) }
    let code = writeAll(fd, bytes)
    if code != 0 {
        close(fd); unlink(temp)
        throw FileError(path: temp, operation: "write", code: code)
    }
    fchmod(fd, mode)
    close(fd)
    if exclusive {
        // link() fails when the target exists, which rename() would silently replace.
        if link(temp, path) != 0 {
            let code = errno
            unlink(temp)
            throw FileError(path: path, operation: "create", code: code)
        }
        unlink(temp)
    } else if rename(temp, path) != 0 {
        let code = errno
        unlink(temp)
        throw FileError(path: path, operation: "replace", code: code)
    }
}

package func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// The names in the directory at `path`, without `.` and `..`; none when it cannot be read.
/// A name that is not UTF-8 is decoded with U+FFFD in place of its bad bytes.
package func directoryNames(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

package func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

/// Creates `path` and missing parents. Returns the directories it created, outermost first,
/// so a rollback can remove exactly those.
@discardableResult
package func makeDirectories(_ path: String, mode: mode_t = 0o755) throws -> [String] {
    if isDirectory(path) { return [] }
    var created: [String] = []
    let up = parent(of: path)
    if up != path { created = try makeDirectories(up, mode: mode) }
    if mkdir(path, mode) == 0 { return created + [path] }
    // EEXIST for something that is not a directory (a file, a dangling symlink) is a failure:
    // nothing can be created inside it.
    if errno == EEXIST && isDirectory(path) { return created }
    throw FileError(path: path, operation: "create directory", code: errno)
}

/// A file git-ao opened or created in a directory of its own (`<common-dir>/ao/...`) takes that
/// directory's owner when git-ao runs as root (sudo), so the user it belongs to can still open
/// it afterwards. Does nothing for other users, who cannot give files away.
package func adoptDirectoryOwner(fd: Int32, path: String) {
    guard geteuid() == 0 else { return }
    var dir = stat(), file = stat()
    let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    guard stat(parent.isEmpty ? "/" : parent, &dir) == 0, fstat(fd, &file) == 0 else { return }
    if file.st_uid != dir.st_uid || file.st_gid != dir.st_gid { _ = fchown(fd, dir.st_uid, dir.st_gid) }
}

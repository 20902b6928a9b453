import Glibc

/// Deletes a file or directory tree without ever following a symbolic link out of it.
///
/// Directories are opened with `O_NOFOLLOW` and emptied through their descriptors (`openat`,
/// `unlinkat`), so a link met anywhere, or swapped in for a directory while the tree is
/// deleted, is unlinked and never entered. Names are kept as the bytes the kernel gave: a name
/// that is not UTF-8 is deleted like any other. Errors are ignored: whatever could not be
/// deleted stays, and the caller checks what is left when that matters.
func removeTree(_ path: String) {
    removeEntry(AT_FDCWD, path.withCString { Array(UnsafeBufferPointer(start: $0, count: strlen($0) + 1)) })
}

/// Deletes entry `name` (NUL-terminated bytes) of the directory open as `parent`.
func removeEntry(_ parent: Int32, _ name: [CChar]) {
    var info = stat()
    guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
    guard (info.st_mode & S_IFMT) == S_IFDIR else {
        unlinkat(parent, name, 0)
        return
    }
    let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if fd >= 0 {
        emptyDirectory(fd)
        close(fd)
    }
    unlinkat(parent, name, AT_REMOVEDIR)
}

/// Deletes everything in the directory open as `fd` (which stays open).
func emptyDirectory(_ fd: Int32) {
    for name in directoryEntries(fd) { removeEntry(fd, name) }
}

/// The names in the directory open as `fd`, without `.` and `..`, as NUL-terminated bytes.
/// Read through a fresh descriptor of the same directory, so `fd`'s own offset is untouched.
func directoryEntries(_ fd: Int32) -> [[CChar]] {
    let copy = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard copy >= 0 else { return [] }
    guard let dir = fdopendir(copy) else {
        close(copy)
        return []
    }
    defer { closedir(dir) }
    var names: [[CChar]] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [CChar] in
            let bytes = raw.bindMemory(to: CChar.self)
            let length = strnlen(bytes.baseAddress!, bytes.count)
            return Array(bytes.prefix(length)) + [0]
        }
        if name == [46, 0] || name == [46, 46, 0] { continue } // "." and ".."
        names.append(name)
    }
    return names
}

/// The names in the directory at `path`, as text (see `entryText`); none when it cannot be read.
func directoryNames(atPath path: String) -> [String] {
    let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { Glibc.close(fd) }
    return directoryEntries(fd).map(entryText)
}

/// A NUL-terminated name as text, for matching and for messages (bytes that are not UTF-8 become U+FFFD).
func entryText(_ name: [CChar]) -> String {
    String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

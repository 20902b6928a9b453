import Glibc

/// Where a worktree goes the moment it is removed: `.ao-trash/` in the folder that holds it (for
/// a session's worktree, the worktree root), reached with one `rename(2)`, which never crosses
/// a filesystem from there. Deleting a checkout file by file takes seconds; a process killed
/// meanwhile then leaves the rest in the trash, never a half-deleted folder at the worktree's
/// path, and the next sweep (`git ao cleanup`, or any later removal) finishes the job.
///
/// A sweep deletes only what git-ao put there: real directories (never a symbolic link) named
/// `<label>.<16 hex digits>` inside a real `.ao-trash` directory, emptied through descriptors
/// opened with `O_NOFOLLOW`. A removal in progress holds an `flock` on its entry from before
/// the rename until the entry is gone, and sweeps pass over locked entries.
public struct WorktreeTrash: Equatable, Sendable {
    public static let folderName = ".ao-trash"
    /// A file that says what the folder is; the folder goes when nothing else is left in it.
    public static let markerName = "README"
    static let markerText = """
        git-ao moves a worktree here before it deletes it, so a removal cut short (kill -9, a
        crash) leaves the rest here rather than a half-deleted folder at the worktree's path.
        'git ao cleanup' deletes what is left (folders named <name>.<16 hex digits>), and
        'git ao doctor' lists it. Nothing else in this folder is ever touched.

        """

    /// The trash folder itself (`<parent>/.ao-trash`).
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The trash of the worktree at `path`: beside it, on the same filesystem.
    public static func beside(_ worktreePath: String) -> WorktreeTrash {
        var parent = worktreePath
        while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
        parent = parent.lastIndex(of: "/").map { String(parent[..<$0]) } ?? "."
        return WorktreeTrash(directory: parent + "/" + folderName)
    }

    /// What the trash holds now.
    public struct Contents: Equatable, Sendable {
        /// Rests of removals cut short: what a sweep deletes.
        public var leftovers: [String] = []
        /// Removals another process is doing right now (their entries are locked).
        public var busy: [String] = []
        /// Anything git-ao did not put there: never touched.
        public var foreign: [String] = []
        public var isEmpty: Bool { leftovers.isEmpty && busy.isEmpty && foreign.isEmpty }
    }

    /// Whether `name` is one git-ao gives an entry: `<label>.<16 lowercase hex digits>`, the
    /// label non-empty, of ASCII letters, digits, `-`, `_` and `.`, not starting with a dot.
    public static func isEntryName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count >= 18, bytes[bytes.count - 17] == UInt8(ascii: "."), bytes[0] != UInt8(ascii: ".") else { return false }
        let hex = bytes.suffix(16).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        let label = bytes.prefix(bytes.count - 17).allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        return hex && label
    }

    /// The entry name for a worktree folder: its name made safe and short, and 64 random bits.
    static func entryName(for worktreePath: String) -> String {
        let last = worktreePath.split(separator: "/").last.map(String.init) ?? ""
        var label = String(last.unicodeScalars.map { c -> Character in
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_" || c == ".") ? Character(c) : "-"
        }.prefix(64))
        while label.hasPrefix(".") { label.removeFirst() }
        if label.isEmpty { label = "worktree" }
        let random = String(UInt64.random(in: .min ... .max), radix: 16)
        return label + "." + String(repeating: "0", count: 16 - random.count) + random
    }

    /// What is in the trash, without changing anything.
    public func contents() -> Contents {
        var contents = Contents()
        guard let folder = openFolder(create: false) else { return contents }
        defer { close(folder) }
        for name in directoryEntries(folder) {
            let text = entryText(name)
            if text == Self.markerName { continue }
            let path = directory + "/" + text
            guard Self.isEntryName(text), isRealDirectory(folder, name) else {
                contents.foreign.append(path)
                continue
            }
            if let entry = lockEntry(folder, name) {
                close(entry)
                contents.leftovers.append(path)
            } else {
                contents.busy.append(path)
            }
        }
        return contents
    }

    /// Deletes every leftover no process is working on; returns those deleted. The folder
    /// itself goes too when nothing but its marker is left.
    @discardableResult
    public func sweep() -> [String] {
        guard let folder = openFolder(create: false) else { return [] }
        defer { close(folder) }
        var removed: [String] = []
        for name in directoryEntries(folder) where Self.isEntryName(entryText(name)) {
            guard let entry = lockEntry(folder, name) else { continue }
            emptyDirectory(entry)
            unlinkat(folder, name, AT_REMOVEDIR)
            close(entry)
            var info = stat()
            if fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) != 0 { removed.append(directory + "/" + entryText(name)) }
        }
        removeIfEmpty(folder)
        return removed
    }

    /// Moves the directory at `path` into the trash in one `rename(2)`, locked before it
    /// appears there. Nil when that cannot be done (not a real directory, another filesystem
    /// (`EXDEV`), a mount point, no permission, a trash that is not a real directory): the
    /// caller then deletes in place.
    func moveIn(_ path: String) -> TrashedWorktree? {
        let source = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard source >= 0 else { return nil }
        var sourceInfo = stat()
        guard fstat(source, &sourceInfo) == 0, flock(source, LOCK_EX | LOCK_NB) == 0 else {
            close(source)
            return nil
        }
        // A sweep of another repository sharing this folder may remove an empty trash between
        // its creation and the rename: make it again.
        for _ in 0..<3 {
            guard let folder = openFolder(create: true) else { break }
            let name = Self.entryName(for: path)
            if renameat(AT_FDCWD, path, folder, name) == 0 {
                // What moved must be the directory that was opened and locked, not something
                // swapped in at the path meanwhile.
                var moved = stat()
                if fstatat(folder, name, &moved, AT_SYMLINK_NOFOLLOW) == 0, moved.st_dev == sourceInfo.st_dev, moved.st_ino == sourceInfo.st_ino {
                    return TrashedWorktree(trash: self, folder: folder, entry: source, name: name)
                }
                renameat(folder, name, AT_FDCWD, path)
                close(folder)
                break
            }
            let failure = errno
            close(folder)
            if failure != ENOENT { break }
        }
        close(source)
        return nil
    }

    /// The trash folder, opened without following a link; made (mode 0700, with its marker)
    /// when `create` is set.
    private func openFolder(create: Bool) -> Int32? {
        if create {
            if mkdir(directory, 0o700) == 0 {
                adoptParentOwner()
            } else if errno != EEXIST {
                return nil
            }
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        if create { writeMarker(fd) }
        return fd
    }

    private func writeMarker(_ folder: Int32) {
        let fd = openat(folder, Self.markerName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array(Self.markerText.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// Run as root (sudo), the trash takes the owner of the folder it is in, so the user's own
    /// cleanup can sweep it later.
    private func adoptParentOwner() {
        guard geteuid() == 0, let slash = directory.lastIndex(of: "/") else { return }
        var parent = stat()
        let parentPath = slash == directory.startIndex ? "/" : String(directory[..<slash])
        guard stat(parentPath, &parent) == 0 else { return }
        _ = lchown(directory, parent.st_uid, parent.st_gid)
    }

    private func isRealDirectory(_ folder: Int32, _ name: [CChar]) -> Bool {
        var info = stat()
        return fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The entry opened (never through a link) and locked; nil when it is not a directory or
    /// a live removal holds it.
    private func lockEntry(_ folder: Int32, _ name: [CChar]) -> Int32? {
        let fd = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Removes the folder when only its marker is left. A removal that moves a worktree in
    /// meanwhile makes the `rmdir` fail, and the marker is written again.
    private func removeIfEmpty(_ folder: Int32) {
        let names = directoryEntries(folder).map(entryText)
        guard names.allSatisfy({ $0 == Self.markerName }) else { return }
        if !names.isEmpty { unlinkat(folder, Self.markerName, 0) }
        if rmdir(directory) != 0 { writeMarker(folder) }
    }
}

/// A worktree moved into the trash, its entry locked until `delete` or `putBack`.
struct TrashedWorktree {
    let trash: WorktreeTrash
    let folder: Int32
    let entry: Int32
    let name: String

    var path: String { trash.directory + "/" + name }

    /// Deletes the entry through its locked descriptor, then lets go of it.
    func delete() {
        emptyDirectory(entry)
        unlinkat(folder, name, AT_REMOVEDIR)
        release()
    }

    /// Moves the entry back to `path`; true when it is there again.
    func putBack(to path: String) -> Bool {
        let moved = renameat(folder, name, AT_FDCWD, path) == 0
        release()
        return moved
    }

    private func release() {
        close(entry)
        close(folder)
    }
}

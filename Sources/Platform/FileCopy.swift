import CSystem
import Glibc

/// Copies one file of a repository's working tree into another working tree, safely: it never
/// follows a symbolic link out of the source tree, never writes through a symbolic link in the
/// destination tree, never replaces an existing file, and copies only regular files and
/// symbolic links (sockets, FIFOs and devices are skipped).
package enum FileCopy {
    package enum Outcome: Equatable {
        /// Copied; `reflink` when the filesystem shared the data (FICLONE) instead of copying it.
        case copied(reflink: Bool)
        /// A symbolic link that stays inside the source tree, recreated as a relative link to the
        /// same path inside the destination tree.
        case linked
        /// Something already exists at that path in the destination; it was left alone.
        case exists
        /// Not copied, for the reason given.
        case skipped(String)
    }

    /// Copies `relative` from the tree at `sourceRoot` to the tree at `destinationRoot`.
    /// Directories it had to create are appended to `createdDirectories` (outermost first) and
    /// a copied file's path is returned in the outcome's caller's hands for undo.
    /// A regular file larger than `maxSize` bytes is skipped (nil: no limit).
    package static func copy(_ relative: String, from sourceRoot: String, to destinationRoot: String,
                             createdDirectories: inout [String], maxSize: Int64? = nil) throws -> Outcome {
        let components = relative.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !components.isEmpty, !components.contains(".."), !components.contains(".") else {
            return .skipped("not a plain relative path")
        }
        guard let root = realPath(sourceRoot) else { return .skipped("the source tree cannot be read") }
        let source = sourceRoot + "/" + relative
        var info = stat()
        guard lstat(source, &info) == 0 else { return .skipped("it disappeared") }
        // Every directory above it must resolve inside the source tree.
        let sourceParent = components.count > 1 ? sourceRoot + "/" + components.dropLast().joined(separator: "/") : sourceRoot
        guard let resolvedParent = realPath(sourceParent), isInside(resolvedParent, root) else {
            return .skipped("a symbolic link leads out of the repository")
        }
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            guard let target = realPath(source) else { return .skipped("a dangling symbolic link") }
            guard isInside(target, root) else { return .skipped("a symbolic link leads out of the repository") }
            guard readLink(source) != nil else { return .skipped("the symbolic link cannot be read") }
            // Recreated relative to where it lands, pointing at the same path inside the NEW
            // tree: the link's own text (absolute, or `../repo/...`) would reach into the main
            // worktree, and a folder link would expose all of it to the session.
            let text = relativeLink(from: Array(components.dropLast()), to: relativeComponents(target, below: root))
            return try withDestinationDirectory(components, sourceRoot, destinationRoot, &createdDirectories) { dir, name in
                if symlinkat(text, dir, name) == 0 { return .linked }
                if errno == EEXIST { return .exists }
                throw FileError(path: destinationRoot + "/" + relative, operation: "create link", code: errno)
            }
        case S_IFREG:
            break
        default:
            return .skipped("not a regular file")
        }
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { return .skipped(String(cString: strerror(errno))) }
        defer { close(input) }
        var opened = stat()
        guard fstat(input, &opened) == 0, (opened.st_mode & S_IFMT) == S_IFREG else { return .skipped("not a regular file") }
        if let maxSize, Int64(opened.st_size) > maxSize {
            return .skipped("it is \(byteSize(Int64(opened.st_size))), over \(ConfigKeys.spawnIncludeMaxSize) (\(byteSize(maxSize)))")
        }
        let sparse = Int64(opened.st_blocks) * 512 < Int64(opened.st_size)
        // Permission bits as they are, without set-user-id or set-group-id.
        let mode = opened.st_mode & 0o1777
        return try withDestinationDirectory(components, sourceRoot, destinationRoot, &createdDirectories) { dir, name in
            let output = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if output < 0 {
                if errno == EEXIST { return .exists }
                throw FileError(path: destinationRoot + "/" + relative, operation: "create", code: errno)
            }
            defer { close(output) }
            do {
                let reflink = try copyData(from: input, to: output, size: Int(opened.st_size), sparse: sparse, path: destinationRoot + "/" + relative)
                fchmod(output, mode)
                return .copied(reflink: reflink)
            } catch {
                unlinkat(dir, name, 0)
                throw error
            }
        }
    }

    /// A reflink where the filesystem offers one; else `copy_file_range` (which the kernel may
    /// still turn into shared extents); else read and write.
    private static func copyData(from input: Int32, to output: Int32, size: Int, sparse: Bool, path: String) throws -> Bool {
        if ao_ficlone(output, input) == 0 { return true }
        if sparse, try copySparse(from: input, to: output, size: size, path: path) { return false }
        var copied = 0
        while copied < size {
            let n = copy_file_range(input, nil, output, nil, size - copied, 0)
            if n > 0 { copied += n; continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            if copied == 0 && [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EBADF].contains(errno) { break }
            throw FileError(path: path, operation: "copy", code: errno)
        }
        if copied >= size && size > 0 { return false }
        // Plain copy from wherever copy_file_range stopped (files that grow are copied whole).
        lseek(input, off_t(copied), SEEK_SET)
        lseek(output, off_t(copied), SEEK_SET)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(input, &buffer, buffer.count)
            if n == 0 { return false }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "read", code: errno)
            }
            let code = writeAll(output, Array(buffer[0..<n]))
            if code != 0 { throw FileError(path: path, operation: "write", code: code) }
        }
    }

    /// Copies only the data segments of a file with holes (`SEEK_DATA`/`SEEK_HOLE`), so the copy
    /// keeps its holes; false when the filesystem cannot tell (then the caller copies densely).
    /// `SEEK_DATA` and `SEEK_HOLE` (Linux values; glibc declares them only with `_GNU_SOURCE`).
    private static let seekData: Int32 = 3, seekHole: Int32 = 4

    private static func copySparse(from input: Int32, to output: Int32, size: Int, path: String) throws -> Bool {
        var offset = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while offset < size {
            let data = lseek(input, off_t(offset), seekData)
            if data < 0 {
                if errno == ENXIO { break } // only a hole is left
                if offset == 0 { return false }
                throw FileError(path: path, operation: "read", code: errno)
            }
            var hole = Int(lseek(input, data, seekHole))
            if hole < 0 { hole = size }
            var position = Int(data)
            while position < hole {
                let n = pread(input, &buffer, Swift.min(buffer.count, hole - position), off_t(position))
                if n == 0 { break }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError(path: path, operation: "read", code: errno)
                }
                var written = 0
                while written < n {
                    let w = buffer.withUnsafeBytes { pwrite(output, $0.baseAddress! + written, n - written, off_t(position + written)) }
                    if w < 0 {
                        if errno == EINTR { continue }
                        throw FileError(path: path, operation: "write", code: errno)
                    }
                    written += w
                }
                position += n
            }
            offset = max(hole, position)
        }
        guard ftruncate(output, off_t(size)) == 0 else { throw FileError(path: path, operation: "write", code: errno) }
        return true
    }

    /// `3.0 GiB`, `512 KiB`, `12 bytes`.
    static func byteSize(_ bytes: Int64) -> String {
        let units: [(Int64, String)] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (unit, name) in units where bytes >= unit {
            let value = Double(bytes) / Double(unit)
            return value == value.rounded() ? "\(Int64(value)) \(name)" : "\(Double(Int(value * 10)) / 10) \(name)"
        }
        return "\(bytes) bytes"
    }

    /// Opens (creating where missing, with the source directory's permissions) the directories
    /// of `components` below `root` without following any symbolic link, and hands `body` the
    /// innermost directory and the file name.
    private static func withDestinationDirectory(_ components: [String], _ sourceRoot: String, _ root: String, _ created: inout [String],
                                                 _ body: (Int32, String) throws -> Outcome) throws -> Outcome {
        var dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw FileError(path: root, operation: "open", code: errno) }
        defer { close(dir) }
        var path = root
        var sourcePath = sourceRoot
        for name in components.dropLast() {
            path += "/" + name
            sourcePath += "/" + name
            var next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                var info = stat()
                // The owner keeps full access, or nothing more could be copied into it.
                let mode = stat(sourcePath, &info) == 0 ? (info.st_mode & 0o1777) | 0o700 : 0o755
                let made = mkdirat(dir, name, mode) == 0
                if !made && errno != EEXIST { throw FileError(path: path, operation: "create directory", code: errno) }
                if made { created.append(path) }
                next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                if errno == ENOTDIR || errno == ELOOP { return .skipped("a file or symbolic link is in the way in the worktree") }
                throw FileError(path: path, operation: "open", code: errno)
            }
            close(dir)
            dir = next
        }
        return try body(dir, components[components.count - 1])
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The components of `path` below `root` (which contains it).
    private static func relativeComponents(_ path: String, below root: String) -> [String] {
        path.dropFirst(root.count).split(separator: "/").map(String.init)
    }

    /// The text of a relative link in folder `directory` that names `target` (both given as
    /// components below the same root).
    static func relativeLink(from directory: [String], to target: [String]) -> String {
        var common = 0
        while common < directory.count && common < target.count && directory[common] == target[common] { common += 1 }
        let parts = Array(repeating: "..", count: directory.count - common) + target.dropFirst(common)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    private static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return buffer.withUnsafeBufferPointer { String(decoding: UnsafeRawBufferPointer($0).prefix(n), as: UTF8.self) }
    }
}

import Glibc

/// Path helpers that never touch the file system unless they say so.

package func currentDirectory() -> String {
    guard let cwd = getcwd(nil, 0) else { return "/" }
    defer { free(cwd) }
    return String(cString: cwd)
}

package func absolute(_ path: String, relativeTo base: String) -> String {
    path.hasPrefix("/") ? path : (base == "/" ? "/" + path : base + "/" + path)
}

package func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), path != "/" else { return "/" }
    let head = String(path[..<slash])
    return head.isEmpty ? "/" : head
}

/// The last path component.
package func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// Removes `.` and `..` components and duplicate slashes without touching the file system.
package func normalizedPath(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
        if part == "." { continue }
        if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}

/// `realpath` when the path exists; the path itself otherwise.
package func resolvedPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}

import CGit2
import Glibc

/// Which commits would become unreachable if a worktree went away.
///
/// Removing a linked worktree deletes its admin dir (`<common-dir>/worktrees/<name>`), and with it
/// the worktree's HEAD and HEAD reflog. Commits made on a detached HEAD, or left behind by
/// `reset --hard HEAD~2` or by a rebase that dropped them, are then held by nothing, and the next
/// `git gc` deletes them.
extension Repository {
    /// The commits that only the worktree named `name` still holds: its HEAD and every commit
    /// its HEAD reflog (plus `extraReflogs`, files of reflogs that are about to go too) names,
    /// that no reference outside `leaving` reaches. Only tips are returned, HEAD's first, then
    /// newest first: saving these saves everything.
    public func commitsOnlyHeld(byWorktree name: String, leaving: Set<String> = [], extraReflogs: [String] = []) throws -> [String] {
        let main = try mainRepository()
        let adminDir = main.commonDir + "/worktrees/" + name
        var candidates: [String] = []
        func add(_ sha: String) {
            if sha.count >= 40, sha.contains(where: { $0 != "0" }), !candidates.contains(sha) { candidates.append(sha) }
        }
        if let head = readHead(adminDir: adminDir, main: main) { add(head) }
        for file in [adminDir + "/logs/HEAD"] + extraReflogs {
            for sha in Repository.reflogCommits(file).reversed() { add(sha) }
        }
        // The worktree's own refs (refs/bisect/*, refs/worktree/*) and their reflogs go too.
        for file in Repository.files(under: adminDir + "/refs") {
            if let text = readSmallFile(file)?.trimmingCharacters(), text.count == 40 || text.count == 64 { add(text) }
        }
        for file in Repository.files(under: adminDir + "/logs/refs") {
            for sha in Repository.reflogCommits(file).reversed() { add(sha) }
        }
        if candidates.isEmpty { return [] }

        var walk: OpaquePointer?
        try Git.check(ao_git_revwalk_new(&walk, main.pointer), "could not start a history walk")
        defer { ao_git_revwalk_free(walk) }
        var pushed: [String] = []
        for sha in candidates {
            guard var oid = git_oid(hex: sha) else { continue }
            // A reflog may name commits that gc already removed, or non-commits: skip them.
            if ao_git_revwalk_push(walk, &oid) == 0 { pushed.append(sha) } else { ao_git_error_clear() }
        }
        if pushed.isEmpty { return [] }
        for reference in try main.references(matching: "refs/*") where !leaving.contains(reference.name) {
            guard var oid = git_oid(hex: reference.sha) else { continue }
            if ao_git_revwalk_hide(walk, &oid) != 0 { ao_git_error_clear() }
        }
        var unreachable = Set<String>()
        var oid = git_oid()
        while true {
            let code = ao_git_revwalk_next(&oid, walk)
            if code == GIT_ITEROVER.rawValue { ao_git_error_clear(); break }
            try Git.check(code, "could not walk the history of worktree '\(name)'")
            unreachable.insert(oid.hex)
        }
        let lost = pushed.filter { unreachable.contains($0) }
        // Keep only tips: a lost commit that another lost commit contains needs no ref of its own.
        var tips: [String] = []
        for sha in lost {
            var contained = false
            for other in lost where other != sha {
                if try main.isAncestor(sha, of: other) { contained = true; break }
            }
            if !contained { tips.append(sha) }
        }
        return tips
    }

    /// Every regular file below `directory` (no symbolic links followed).
    static func files(under directory: String, depth: Int = 0) -> [String] {
        guard depth < 16 else { return [] }
        var result: [String] = []
        for name in directoryNames(atPath: directory) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR { result += files(under: path, depth: depth + 1) }
            else if (info.st_mode & S_IFMT) == S_IFREG { result.append(path) }
        }
        return result
    }

    /// The commits a reflog file names (old and new of each entry), oldest first.
    static func reflogCommits(_ path: String) -> [String] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        var result: [String] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
            guard fields.count >= 2 else { continue }
            for field in fields.prefix(2) where field.count == 40 || field.count == 64 {
                result.append(String(decoding: field, as: UTF8.self))
            }
        }
        return result
    }

    /// The commit a linked worktree's HEAD points at, read from its admin dir (the worktree's
    /// directory may already be gone).
    private func readHead(adminDir: String, main: Repository) -> String? {
        guard let text = readSmallFile(adminDir + "/HEAD") else { return nil }
        let content = text.split(separator: "\n").first.map(String.init) ?? ""
        if content.hasPrefix("ref:") {
            let name = String(content.dropFirst(4)).trimmingCharacters()
            return (try? main.referenceTarget(name)) ?? nil
        }
        return content.trimmingCharacters()
    }

    func readSmallFile(_ path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}

private extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeLast() }
        return String(s)
    }
}

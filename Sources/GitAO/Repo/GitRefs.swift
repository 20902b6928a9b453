import Platform

/// Reading HEAD the way git stores it, without libgit2: the git hook path must stay fast.
enum GitRefs {
    /// The commit HEAD points at in the worktree whose git dir is `gitDir`.
    static func headSHA(gitDir: String, commonDir: String) -> String? {
        guard let head = readFile(gitDir + "/HEAD")?.trimmingSpaces else { return nil }
        return resolve(head, gitDir: gitDir, commonDir: commonDir, depth: 0)
    }

    /// The commit HEAD points at in the linked worktree at `worktreePath` (its `.git` file names
    /// its git dir). Nil when the worktree or its HEAD cannot be read.
    static func worktreeHeadSHA(worktreePath: String, commonDir: String) -> String? {
        guard let gitDir = worktreeGitDir(worktreePath) else { return nil }
        return headSHA(gitDir: gitDir, commonDir: commonDir)
    }

    /// The git dir a worktree's `.git` file names (absolute), or `.git` itself when it is a directory.
    static func worktreeGitDir(_ worktreePath: String) -> String? {
        let dotGit = worktreePath + "/.git"
        if fileExists(dotGit + "/HEAD") { return dotGit }
        guard let content = readFile(dotGit), content.hasPrefix("gitdir:") else { return nil }
        let target = content.dropFirst("gitdir:".count).trimmingSpaces
        return target.hasPrefix("/") ? target : worktreePath + "/" + target
    }

    private static func resolve(_ content: String, gitDir: String, commonDir: String, depth: Int) -> String? {
        guard content.hasPrefix("ref:") else { return isSHA(content) ? content : nil }
        guard depth < 5 else { return nil }
        let name = content.dropFirst("ref:".count).trimmingSpaces
        // Per-worktree refs live in the worktree's git dir; branches in the common dir.
        for directory in [gitDir, commonDir] {
            if let loose = readFile(directory + "/" + name)?.trimmingSpaces, !loose.isEmpty {
                return resolve(loose, gitDir: gitDir, commonDir: commonDir, depth: depth + 1)
            }
        }
        for line in (readFile(commonDir + "/packed-refs") ?? "").split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("^") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 && parts[1] == name { return String(parts[0]) }
        }
        return nil
    }

    static func isSHA(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy { $0.isHexDigit }
    }
}

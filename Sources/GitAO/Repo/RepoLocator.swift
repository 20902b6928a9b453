import Glibc
import Platform
import Worktree

/// Where a repository keeps its git data, found without libgit2.
///
/// Read-only commands (status, show, events) and git hooks only need the common git dir to
/// open the state database. Loading libgit2 for that would cost ~5 ms at every start, so they
/// use this walk, which follows git's discovery rules for the common cases: `GIT_DIR` and
/// `GIT_COMMON_DIR`, `.git` directories and `.git` files (linked worktrees, submodules), bare
/// repositories, and `GIT_CEILING_DIRECTORIES`. Anything it cannot settle falls back to libgit2.
struct RepoLocation: Equatable {
    let gitDir: String
    let commonDir: String

    var aoDirectory: String { commonDir + "/ao" }

    static func locate(from start: String? = nil) -> RepoLocation? {
        if let gitDirEnv = Environment.value("GIT_DIR"), !gitDirEnv.isEmpty {
            let gitDir = canonicalPath(absolute(gitDirEnv, relativeTo: currentDirectory()))
            return looksLikeGitDir(gitDir) ? RepoLocation(gitDir: gitDir, commonDir: commonDir(of: gitDir)) : nil
        }
        let ceilings = (Environment.value("GIT_CEILING_DIRECTORIES") ?? "")
            .split(separator: ":").map { canonicalPath(String($0)) }
        var dir = canonicalPath(start ?? currentDirectory())
        while true {
            let dotGit = dir == "/" ? "/.git" : dir + "/.git"
            var info = stat()
            if stat(dotGit, &info) == 0 {
                if (info.st_mode & S_IFMT) == S_IFDIR, looksLikeGitDir(dotGit) {
                    let gitDir = canonicalPath(dotGit)
                    return RepoLocation(gitDir: gitDir, commonDir: commonDir(of: gitDir))
                }
                if (info.st_mode & S_IFMT) == S_IFREG, let target = readGitFile(dotGit) {
                    let gitDir = canonicalPath(absolute(target, relativeTo: dir))
                    guard looksLikeGitDir(gitDir) else { return nil }
                    return RepoLocation(gitDir: gitDir, commonDir: commonDir(of: gitDir))
                }
            }
            if looksLikeGitDir(dir) && isBareCandidate(dir) {
                return RepoLocation(gitDir: dir, commonDir: commonDir(of: dir))
            }
            if dir == "/" || ceilings.contains(parent(of: dir)) && parent(of: dir) != dir { return nil }
            dir = parent(of: dir)
        }
    }

    /// `<gitDir>/commondir` names the shared git dir of a linked worktree; otherwise it is gitDir.
    private static func commonDir(of gitDir: String) -> String {
        if let env = Environment.value("GIT_COMMON_DIR"), !env.isEmpty {
            return canonicalPath(absolute(env, relativeTo: currentDirectory()))
        }
        guard let content = readFile(gitDir + "/commondir")?.trimmingSpaces, !content.isEmpty else { return gitDir }
        return canonicalPath(absolute(content, relativeTo: gitDir))
    }

    private static func looksLikeGitDir(_ path: String) -> Bool {
        access(path + "/HEAD", F_OK) == 0 && (access(path + "/commondir", F_OK) == 0 || access(path + "/objects", F_OK) == 0)
    }

    /// A directory that is itself a git dir is a bare repository only when it is not inside
    /// a `.git` (which the walk would have found from its parent).
    private static func isBareCandidate(_ path: String) -> Bool {
        access(path + "/refs", F_OK) == 0 && !path.hasSuffix("/.git")
    }

    private static func readGitFile(_ path: String) -> String? {
        guard let content = readFile(path), content.hasPrefix("gitdir:") else { return nil }
        return content.dropFirst("gitdir:".count).trimmingSpaces
    }
}

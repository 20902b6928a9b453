import CGit2
import Glibc

/// An open repository. Owns its `git_repository*` and frees it when released; every result it
/// hands out is a Swift value, so no C pointer outlives the call that produced it.
public final class Repository {
    let pointer: OpaquePointer

    private init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { ao_git_repository_free(pointer) }

    /// Finds the repository the way git does from the current directory: honouring `GIT_DIR`,
    /// `GIT_WORK_TREE`, `GIT_COMMON_DIR` and `GIT_CEILING_DIRECTORIES`.
    public static func discover() throws -> Repository {
        try Git.prepare()
        var out: OpaquePointer?
        let flags = UInt32(GIT_REPOSITORY_OPEN_FROM_ENV.rawValue)
        try Git.check(ao_git_repository_open_ext(&out, nil, flags, nil), "could not find a git repository")
        return Repository(pointer: out!)
    }

    /// Opens the repository (or linked worktree) at exactly `path`, without searching upwards.
    public static func open(at path: String) throws -> Repository {
        try Git.prepare()
        var out: OpaquePointer?
        try Git.check(ao_git_repository_open(&out, path), "could not open the repository at '\(path)'")
        return Repository(pointer: out!)
    }

    /// The repository's own git dir (for a linked worktree: `.git/worktrees/<name>`).
    public var gitDir: String { trimmed(string(ao_git_repository_path(pointer))) ?? "" }

    /// The git dir shared by every worktree of this repository (`git rev-parse --git-common-dir`).
    public var commonDir: String { trimmed(string(ao_git_repository_commondir(pointer))) ?? gitDir }

    /// This worktree's top directory, or nil for a bare repository.
    public var workdir: String? { trimmed(string(ao_git_repository_workdir(pointer))) }

    public var isBare: Bool { ao_git_repository_is_bare(pointer) == 1 }

    /// True when the repository has no commits at all: HEAD is unborn and no reference exists.
    ///
    /// Not `git_repository_is_empty`: libgit2 1.5.1 answers true only when HEAD names the
    /// default branch as *it* reads `init.defaultBranch`, so `git init -b trunk` (or a default
    /// set through `GIT_CONFIG_GLOBAL`, which libgit2 does not read) looked like a detached HEAD.
    public var hasNoCommits: Bool {
        get throws {
            guard try isHeadUnborn else { return false }
            return try references(matching: "refs/*").isEmpty
        }
    }

    /// HEAD names a branch that has no commit yet (a fresh repository, `git checkout --orphan`).
    public var isHeadUnborn: Bool {
        get throws {
            let code = ao_git_repository_head_unborn(pointer)
            return try Git.check(code, "could not read HEAD") == 1
        }
    }

    /// The repository whose git dir is the common dir: the main worktree's repository.
    public func mainRepository() throws -> Repository {
        commonDir == gitDir ? self : try Repository.open(at: commonDir)
    }

    /// The main worktree's directory (nil for a bare repository).
    public func mainWorktreePath() throws -> String? {
        try mainRepository().workdir
    }

    /// The branch HEAD names in this worktree, even when that branch has no commit yet.
    /// Nil when HEAD is detached.
    public func currentBranch() throws -> String? {
        guard let target = try symbolicTarget(of: "HEAD"), target.hasPrefix("refs/heads/") else { return nil }
        return String(target.dropFirst("refs/heads/".count))
    }

    /// The commit HEAD points at, or nil when HEAD is unborn.
    public func headSHA() throws -> String? {
        try referenceTarget("HEAD")
    }
}

/// libgit2 reports directories with a trailing slash; git-ao compares and prints them without.
func trimmed(_ path: String?) -> String? {
    guard var path, !path.isEmpty else { return nil }
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
}

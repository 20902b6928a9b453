import CGit2

/// A revision resolved to a commit, and the reference it named if it named one.
public struct ResolvedRevision: Equatable, Sendable {
    public let sha: String
    /// The full reference name (`refs/remotes/origin/main`) when the spec was a ref.
    public let refName: String?
}

extension Repository {
    /// git's branch-name rules (`git check-ref-format --branch`), as libgit2 applies them.
    public func isValidBranchName(_ name: String) -> Bool {
        var valid: Int32 = 0
        guard ao_git_branch_name_is_valid(&valid, name) == 0 else { return false }
        return valid == 1
    }

    /// Whether `name` is a well-formed full reference name.
    public func isValidReferenceName(_ name: String) -> Bool {
        var valid: Int32 = 0
        guard ao_git_reference_name_is_valid(&valid, name) == 0 else { return false }
        return valid == 1
    }

    /// The commit a reference finally points at (symbolic references followed), or nil when the
    /// reference does not exist or is unborn.
    public func referenceTarget(_ name: String) throws -> String? {
        var oid = git_oid()
        let code = ao_git_reference_name_to_id(&oid, pointer, name)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EUNBORNBRANCH.rawValue {
            ao_git_error_clear()
            return nil
        }
        try Git.check(code, "could not read reference '\(name)'")
        return oid.hex
    }

    /// The target of a symbolic reference (`refs/remotes/origin/HEAD` -> `refs/remotes/origin/main`),
    /// or nil when it does not exist or is not symbolic.
    public func symbolicTarget(of name: String) throws -> String? {
        var ref: OpaquePointer?
        let code = ao_git_reference_lookup(&ref, pointer, name)
        if code == GIT_ENOTFOUND.rawValue { ao_git_error_clear(); return nil }
        try Git.check(code, "could not read reference '\(name)'")
        defer { ao_git_reference_free(ref) }
        return string(ao_git_reference_symbolic_target(ref))
    }

    /// The tip of local branch `name`, or nil when there is no such branch.
    public func localBranchTip(_ name: String) throws -> String? {
        try referenceTarget("refs/heads/" + name)
    }

    /// The names of the configured remotes.
    public func remoteNames() throws -> [String] {
        var array = git_strarray()
        try Git.check(ao_git_remote_list(&array, pointer), "could not list remotes")
        defer { ao_git_strarray_dispose(&array) }
        return (0..<array.count).compactMap { string(array.strings[$0]) }
    }

    /// Resolves any revision git understands (`origin/main`, a tag, a sha, `HEAD~2`) to a commit.
    /// Nil when nothing by that name exists.
    public func resolveRevision(_ spec: String) throws -> ResolvedRevision? {
        var object: OpaquePointer?
        var reference: OpaquePointer?
        let code = ao_git_revparse_ext(&object, &reference, pointer, spec)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue || code == GIT_EAMBIGUOUS.rawValue {
            ao_git_error_clear()
            return nil
        }
        try Git.check(code, "could not resolve '\(spec)'")
        defer {
            ao_git_object_free(object)
            if reference != nil { ao_git_reference_free(reference) }
        }
        var commit: OpaquePointer?
        let peeled = ao_git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        if peeled == GIT_EINVALIDSPEC.rawValue || peeled == GIT_ENOTFOUND.rawValue || peeled == GIT_EPEEL.rawValue {
            ao_git_error_clear()
            return nil
        }
        try Git.check(peeled, "'\(spec)' does not name a commit")
        defer { ao_git_object_free(commit) }
        let refName = reference.flatMap { string(ao_git_reference_name($0)) }
        return ResolvedRevision(sha: ao_git_object_id(commit)!.pointee.hex, refName: refName)
    }

    /// Creates local branch `name` at `sha`. Fails if the branch exists.
    public func createBranch(_ name: String, at sha: String) throws {
        guard var oid = git_oid(hex: sha) else {
            throw GitError(context: "'\(sha)' is not a commit id", code: GIT_EINVALIDSPEC.rawValue)
        }
        var commit: OpaquePointer?
        try Git.check(ao_git_commit_lookup(&commit, pointer, &oid), "could not find commit \(sha)")
        defer { ao_git_commit_free(commit) }
        var ref: OpaquePointer?
        try withWorktreeLock {
            try Git.check(ao_git_branch_create(&ref, pointer, name, commit, 0), "could not create branch '\(name)'")
        }
        ao_git_reference_free(ref)
    }

    /// Sets `branch`'s upstream to a remote-tracking branch given as `<remote>/<name>`.
    public func setUpstream(of branch: String, to remoteBranch: String) throws {
        var ref: OpaquePointer?
        try Git.check(ao_git_branch_lookup(&ref, pointer, branch, GIT_BRANCH_LOCAL), "could not find branch '\(branch)'")
        defer { ao_git_reference_free(ref) }
        try Git.check(ao_git_branch_set_upstream(ref, remoteBranch), "could not set the upstream of '\(branch)' to '\(remoteBranch)'")
    }

    /// Deletes local branch `name`. Refuses (libgit2 does) while any worktree has it checked out.
    /// When libgit2 refuses although no worktree's HEAD names the branch (a worktree folder that
    /// `git worktree add` is still creating makes it think every branch is checked out), the
    /// reference is deleted directly.
    public func deleteBranch(_ name: String) throws {
        var ref: OpaquePointer?
        let code = ao_git_branch_lookup(&ref, pointer, name, GIT_BRANCH_LOCAL)
        if code == GIT_ENOTFOUND.rawValue { ao_git_error_clear(); return }
        try Git.check(code, "could not find branch '\(name)'")
        defer { ao_git_reference_free(ref) }
        try withWorktreeLock {
            let deleted = ao_git_branch_delete(ref)
            guard deleted < 0 else { return }
            let error = Git.lastError(code: deleted, context: "could not delete branch '\(name)'")
            guard error.message.contains("current HEAD"), !anyHeadNames(branch: name) else { throw error }
            try Git.check(ao_git_reference_delete(ref), "could not delete branch '\(name)'")
        }
    }

    /// The full name of `branch`'s upstream (`refs/remotes/origin/x`), or nil when it has none.
    public func upstreamReference(of branch: String) throws -> String? {
        var buffer = git_buf()
        let code = ao_git_branch_upstream_name(&buffer, pointer, "refs/heads/" + branch)
        if code == GIT_ENOTFOUND.rawValue { ao_git_error_clear(); return nil }
        try Git.check(code, "could not read the upstream of '\(branch)'")
        defer { ao_git_buf_dispose(&buffer) }
        return buffer.ptr.map { String(cString: $0) }
    }

    /// True when `ancestor` is `descendant` or is reachable from it.
    public func isAncestor(_ ancestor: String, of descendant: String) throws -> Bool {
        if ancestor == descendant { return true }
        guard var a = git_oid(hex: ancestor), var d = git_oid(hex: descendant) else { return false }
        let code = ao_git_graph_descendant_of(pointer, &d, &a)
        try Git.check(code, "could not compare \(String(ancestor.prefix(7))) with \(String(descendant.prefix(7)))")
        return code == 1
    }

    /// How many commits `local` has that `upstream` lacks, and the reverse.
    public func aheadBehind(_ local: String, _ upstream: String) throws -> (ahead: Int, behind: Int) {
        guard var l = git_oid(hex: local), var u = git_oid(hex: upstream) else { return (0, 0) }
        var ahead = 0, behind = 0
        try Git.check(ao_git_graph_ahead_behind(&ahead, &behind, pointer, &l, &u), "could not count commits between \(String(local.prefix(7))) and \(String(upstream.prefix(7)))")
        return (ahead, behind)
    }

    /// Creates or moves a direct reference, with a reflog message.
    public func writeReference(_ name: String, to sha: String, message: String) throws {
        guard var oid = git_oid(hex: sha) else {
            throw GitError(context: "'\(sha)' is not a commit id", code: GIT_EINVALIDSPEC.rawValue)
        }
        var ref: OpaquePointer?
        try Git.check(ao_git_reference_create(&ref, pointer, name, &oid, 1, message), "could not write reference '\(name)'")
        ao_git_reference_free(ref)
    }

    /// Every reference matching a glob (`refs/ao/archive/*`), with the commit it points at.
    public func references(matching glob: String) throws -> [(name: String, sha: String)] {
        var iterator: OpaquePointer?
        try Git.check(ao_git_reference_iterator_glob_new(&iterator, pointer, glob), "could not list references '\(glob)'")
        defer { ao_git_reference_iterator_free(iterator) }
        var result: [(String, String)] = []
        while true {
            var ref: OpaquePointer?
            let code = ao_git_reference_next(&ref, iterator)
            if code == GIT_ITEROVER.rawValue { ao_git_error_clear(); break }
            try Git.check(code, "could not list references '\(glob)'")
            defer { ao_git_reference_free(ref) }
            if let name = string(ao_git_reference_name(ref)), let oid = ao_git_reference_target(ref) {
                result.append((name, oid.pointee.hex))
            }
        }
        return result
    }
}

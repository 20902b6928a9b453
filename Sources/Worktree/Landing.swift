import CGit2

/// How a branch's commits are put on top of a base, computed in memory: no worktree, index or
/// reference is touched, so a refusal (a conflict) leaves nothing to undo.
public enum LandingComputation: Equatable, Sendable {
    /// The commit the base would move to.
    case landed(tip: String, commits: Int)
    /// The paths that conflict, and the commit being replayed when they did (rebase only).
    case conflict(paths: [String], at: String?)
}

/// The three ways of landing a branch, as `git rebase`, `git merge --squash` and
/// `git merge --no-ff` make them.
public enum LandingShape: Sendable {
    case rebase
    case squash(message: String)
    case mergeCommit(message: String)
}

extension Repository {
    /// The best common ancestor of two commits, or nil when they share no history.
    public func mergeBase(_ a: String, _ b: String) throws -> String? {
        guard var one = git_oid(hex: a), var two = git_oid(hex: b) else { return nil }
        var out = git_oid()
        let code = ao_git_merge_base(&out, pointer, &one, &two)
        if code == GIT_ENOTFOUND.rawValue { ao_git_error_clear(); return nil }
        try Git.check(code, "could not find the merge base of \(a.prefix(7)) and \(b.prefix(7))")
        return out.hex
    }

    /// The commits reachable from `tip` and not from `base`, oldest first, and the subject of each.
    public func commitsBetween(base: String, tip: String) throws -> [(sha: String, subject: String, isMerge: Bool)] {
        guard var tipOid = git_oid(hex: tip), var baseOid = git_oid(hex: base) else { return [] }
        var walk: OpaquePointer?
        try Git.check(ao_git_revwalk_new(&walk, pointer), "could not walk history")
        defer { ao_git_revwalk_free(walk) }
        _ = ao_git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
        try Git.check(ao_git_revwalk_push(walk, &tipOid), "could not walk from \(tip.prefix(7))")
        try Git.check(ao_git_revwalk_hide(walk, &baseOid), "could not walk to \(base.prefix(7))")
        var result: [(String, String, Bool)] = []
        var oid = git_oid()
        while ao_git_revwalk_next(&oid, walk) == 0 {
            let commit = try lookupCommit(oid.hex)
            defer { ao_git_commit_free(commit) }
            let message = string(ao_git_commit_message(commit)) ?? ""
            let subject = message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            result.append((oid.hex, subject, ao_git_commit_parentcount(commit) > 1))
        }
        ao_git_error_clear()
        return result
    }

    /// Computes, in memory, the commit that landing `tip` on `base` in `shape` gives. For a rebase
    /// the commits since the merge base are replayed one by one (merge commits are left out, as
    /// `git rebase` leaves them out; a commit whose change the base already has is dropped);
    /// authors are kept and the committer is the repository's configured identity.
    public func computeLanding(base: String, tip: String, shape: LandingShape) throws -> LandingComputation {
        let committer = try defaultSignature()
        defer { ao_git_signature_free(committer) }
        switch shape {
        case .rebase:
            let since = try mergeBase(base, tip) ?? base
            var current = base
            var count = 0
            for item in try commitsBetween(base: since, tip: tip) where !item.isMerge {
                let ours = try lookupCommit(current)
                defer { ao_git_commit_free(ours) }
                let picked = try lookupCommit(item.sha)
                defer { ao_git_commit_free(picked) }
                var index: OpaquePointer?
                try Git.check(ao_git_cherrypick_commit(&index, pointer, picked, ours, 0, nil), "could not replay \(item.sha.prefix(7)) on \(current.prefix(7))")
                defer { ao_git_index_free(index) }
                if ao_git_index_has_conflicts(index) != 0 { return .conflict(paths: try conflictPaths(index), at: item.sha) }
                var tree = git_oid()
                try Git.check(ao_git_index_write_tree_to(&tree, index, pointer), "could not write the tree of \(item.sha.prefix(7))")
                if ao_git_oid_equal(&tree, ao_git_commit_tree_id(ours)) != 0 { continue }
                current = try createCommit(tree: tree, parents: [ours], author: ao_git_commit_author(picked), committer: committer,
                                           message: string(ao_git_commit_message(picked)) ?? "", encoding: ao_git_commit_message_encoding(picked))
                count += 1
            }
            return .landed(tip: current, commits: count)
        case .squash(let message), .mergeCommit(let message):
            let ours = try lookupCommit(base)
            defer { ao_git_commit_free(ours) }
            let theirs = try lookupCommit(tip)
            defer { ao_git_commit_free(theirs) }
            var index: OpaquePointer?
            try Git.check(ao_git_merge_commits(&index, pointer, ours, theirs, nil), "could not merge \(tip.prefix(7)) into \(base.prefix(7))")
            defer { ao_git_index_free(index) }
            if ao_git_index_has_conflicts(index) != 0 { return .conflict(paths: try conflictPaths(index), at: nil) }
            var tree = git_oid()
            try Git.check(ao_git_index_write_tree_to(&tree, index, pointer), "could not write the merged tree")
            var parents: [OpaquePointer?] = [ours]
            if case .mergeCommit = shape { parents.append(theirs) }
            let author: UnsafePointer<git_signature>?
            if case .squash = shape { author = ao_git_commit_author(theirs) } else { author = UnsafePointer(committer) }
            let commit = try createCommit(tree: tree, parents: parents, author: author, committer: committer, message: message, encoding: nil)
            return .landed(tip: commit, commits: 1)
        }
    }

    /// Moves `name` from `expected` to `new` in one reference update, failing (nil) when it no
    /// longer points at `expected`: two landings on one base can never both win.
    /// Returns true when moved.
    public func compareAndSwapReference(_ name: String, to new: String, expecting expected: String, message: String) throws -> Bool {
        guard var newOid = git_oid(hex: new), var oldOid = git_oid(hex: expected) else {
            throw GitError(context: "'\(new)' or '\(expected)' is not a commit id", code: GIT_EINVALIDSPEC.rawValue)
        }
        var ref: OpaquePointer?
        let code = ao_git_reference_create_matching(&ref, pointer, name, &newOid, 1, &oldOid, message)
        if code == GIT_EMODIFIED.rawValue || code == GIT_ELOCKED.rawValue { ao_git_error_clear(); return false }
        try Git.check(code, "could not move '\(name)' from \(expected.prefix(7)) to \(new.prefix(7))")
        ao_git_reference_free(ref)
        return true
    }

    /// Brings the index and files of the worktree at `path` from commit `from` to commit `to`, as
    /// `git merge --ff-only` does: a file is only written where it still matches `from`, so nothing
    /// uncommitted is overwritten (libgit2 refuses the whole checkout instead).
    /// `dryRun` checks only, writing nothing: whether the checkout would succeed (an untracked
    /// file in the way fails it, as it fails `git merge --ff-only`).
    public func checkoutWorktree(at path: String, from: String, to: String, dryRun: Bool = false) throws {
        let worktree = try Repository.open(at: path)
        let target = try worktree.lookupCommit(to)
        defer { ao_git_commit_free(target) }
        let old = try worktree.lookupCommit(from)
        defer { ao_git_commit_free(old) }
        var baseline: OpaquePointer?
        try Git.check(ao_git_commit_tree(&baseline, old), "could not read the tree of \(from.prefix(7))")
        defer { ao_git_tree_free(baseline) }
        var options = git_checkout_options()
        try Git.check(ao_git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "could not prepare checkout options")
        options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue | (dryRun ? GIT_CHECKOUT_DRY_RUN.rawValue : 0)
        options.baseline = baseline
        // The paths in the way, for a message that names them (libgit2's says only how many).
        final class Paths { var list: [String] = [] }
        let paths = Paths()
        let box = Unmanaged.passRetained(paths)
        defer { box.release() }
        options.notify_flags = GIT_CHECKOUT_NOTIFY_CONFLICT.rawValue
        options.notify_payload = box.toOpaque()
        options.notify_cb = { _, path, _, _, _, payload in
            if let payload, let path { Unmanaged<Paths>.fromOpaque(payload).takeUnretainedValue().list.append(String(cString: path)) }
            return 0
        }
        let code = ao_git_checkout_tree(worktree.pointer, target, &options)
        guard code < 0 else { return }
        let error = Git.lastError(code: code, context: "could not update the files of '\(path)' to \(to.prefix(7))")
        guard !paths.list.isEmpty else { throw error }
        throw GitError(context: "\(paths.list.joined(separator: ", ")) would be overwritten (untracked or changed)", code: error.code,
                       errorClass: error.errorClass, message: "")
    }

    /// Deletes a reference; nothing when it does not exist.
    public func deleteReference(_ name: String) throws {
        var ref: OpaquePointer?
        let code = ao_git_reference_lookup(&ref, pointer, name)
        if code == GIT_ENOTFOUND.rawValue { ao_git_error_clear(); return }
        try Git.check(code, "could not find reference '\(name)'")
        defer { ao_git_reference_free(ref) }
        try Git.check(ao_git_reference_delete(ref), "could not delete reference '\(name)'")
    }

    // MARK: - helpers

    func lookupCommit(_ sha: String) throws -> OpaquePointer? {
        guard var oid = git_oid(hex: sha) else {
            throw GitError(context: "'\(sha)' is not a commit id", code: GIT_EINVALIDSPEC.rawValue)
        }
        var commit: OpaquePointer?
        try Git.check(ao_git_commit_lookup(&commit, pointer, &oid), "could not find commit \(sha.prefix(12))")
        return commit
    }

    /// user.name/user.email as git reads them; without them, git-ao's own name (a landing must
    /// not fail for a missing identity that `git rebase` would also complain about later).
    private func defaultSignature() throws -> UnsafeMutablePointer<git_signature>? {
        var signature: UnsafeMutablePointer<git_signature>?
        if ao_git_signature_default(&signature, pointer) == 0 { return signature }
        ao_git_error_clear()
        try Git.check(ao_git_signature_now(&signature, "git-ao", "git-ao@localhost"), "could not make a committer signature")
        return signature
    }

    private func createCommit(tree: git_oid, parents: [OpaquePointer?], author: UnsafePointer<git_signature>?,
                              committer: UnsafeMutablePointer<git_signature>?, message: String, encoding: UnsafePointer<CChar>?) throws -> String {
        var treeOid = tree
        var treePointer: OpaquePointer?
        try Git.check(ao_git_tree_lookup(&treePointer, pointer, &treeOid), "could not read tree \(tree.hex.prefix(7))")
        defer { ao_git_tree_free(treePointer) }
        var out = git_oid()
        var parentList = parents
        try parentList.withUnsafeMutableBufferPointer { buffer in
            try Git.check(ao_git_commit_create(&out, pointer, nil, author, committer, encoding, message, treePointer, buffer.count,
                                               buffer.baseAddress), "could not write a commit")
        }
        return out.hex
    }

    private func conflictPaths(_ index: OpaquePointer?) throws -> [String] {
        var iterator: OpaquePointer?
        try Git.check(ao_git_index_conflict_iterator_new(&iterator, index), "could not list conflicts")
        defer { ao_git_index_conflict_iterator_free(iterator) }
        var paths: [String] = []
        var ancestor: UnsafePointer<git_index_entry>?, ours: UnsafePointer<git_index_entry>?, theirs: UnsafePointer<git_index_entry>?
        while ao_git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
            if let path = string((ours ?? theirs ?? ancestor)?.pointee.path) { paths.append(path) }
        }
        ao_git_error_clear()
        return paths
    }
}

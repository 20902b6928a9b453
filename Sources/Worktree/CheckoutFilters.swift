import CGit2
import Glibc

/// Whether checking out a commit can need libgit2's filters.
///
/// libgit2's checkout filters are CRLF conversion and `ident`. Looking up the attributes that
/// would switch them on costs 14 `readlink`s and 2 extra `stat`s per file (about 60% of a
/// 10,000-file checkout), even in the common repository where nothing asks for them. They are
/// needed only when the configuration asks for CRLF (core.autocrlf=true, core.eol=crlf) or when
/// some attributes file is in effect: a `.gitattributes` in the tree, `info/attributes`, the
/// global file (core.attributesFile or the XDG default) or the system one. Anything unclear
/// keeps them on. The configuration is read as libgit2 reads it, so the answer matches what
/// libgit2 itself would have done.
extension Repository {
    func checkoutNeedsFilters(commit sha: String) -> Bool {
        if configuredForCRLF() { return true }
        if attributesFileInEffect() { return true }
        guard var oid = git_oid(hex: sha) else { return true }
        var commit: OpaquePointer?
        guard ao_git_commit_lookup(&commit, pointer, &oid) == 0 else { ao_git_error_clear(); return true }
        defer { ao_git_commit_free(commit) }
        var tree: OpaquePointer?
        guard ao_git_commit_tree(&tree, commit) == 0 else { ao_git_error_clear(); return true }
        defer { ao_git_tree_free(tree) }
        return treeHasAttributes(tree!)
    }

    private func configuredForCRLF() -> Bool {
        var config: OpaquePointer?
        guard ao_git_repository_config_snapshot(&config, pointer) == 0 else { ao_git_error_clear(); return true }
        defer { ao_git_config_free(config) }
        func value(_ key: String) -> String? {
            var buffer = git_buf()
            guard ao_git_config_get_string_buf(&buffer, config, key) == 0 else { ao_git_error_clear(); return nil }
            defer { ao_git_buf_dispose(&buffer) }
            return buffer.ptr.map { String(cString: $0).lowercased() }
        }
        if let autocrlf = value("core.autocrlf"), !["false", "no", "off", "0", "input", ""].contains(autocrlf) { return true }
        if let eol = value("core.eol"), eol == "crlf" { return true }
        if let file = value("core.attributesfile"), !file.isEmpty { return isNonEmptyFile(expandHome(file)) }
        return false
    }

    private func attributesFileInEffect() -> Bool {
        let home = getenv("HOME").map { String(cString: $0) }
        let xdg = getenv("XDG_CONFIG_HOME").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? home.map { $0 + "/.config" }
        var candidates = [commonDir + "/info/attributes", "/etc/gitattributes"]
        if let xdg { candidates.append(xdg + "/git/attributes") }
        return candidates.contains(where: isNonEmptyFile)
    }

    private func treeHasAttributes(_ root: OpaquePointer) -> Bool {
        var pending: [git_oid] = []
        func scan(_ tree: OpaquePointer) -> Bool {
            for index in 0..<ao_git_tree_entrycount(tree) {
                guard let entry = ao_git_tree_entry_byindex(tree, index) else { continue }
                if ao_git_tree_entry_type(entry) == GIT_OBJECT_TREE {
                    pending.append(ao_git_tree_entry_id(entry)!.pointee)
                } else if let name = ao_git_tree_entry_name(entry), strcmp(name, ".gitattributes") == 0 {
                    return true
                }
            }
            return false
        }
        if scan(root) { return true }
        while var oid = pending.popLast() {
            var tree: OpaquePointer?
            guard ao_git_tree_lookup(&tree, pointer, &oid) == 0 else { ao_git_error_clear(); return true }
            defer { ao_git_tree_free(tree) }
            if scan(tree!) { return true }
        }
        return false
    }

    private func isNonEmptyFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_size > 0
    }

    private func expandHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
        return String(cString: home) + path.dropFirst()
    }
}

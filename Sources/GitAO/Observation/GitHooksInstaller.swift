import Glibc
import Platform

/// Installs git-ao's git hooks without ever overwriting one: a hook that is already there is
/// renamed to `<name>.ao-chained` and run first by git-ao's, with the same arguments and input,
/// keeping its output and exit status. Uninstalling puts it back exactly (a rename keeps its
/// content, mode and times).
struct GitHooksInstaller {
    static let hookNames = ["post-commit", "post-rewrite", "post-merge", "post-checkout", "pre-push"]
    static let marker = "# git-ao hook v1"
    static let chainedSuffix = ".ao-chained"

    let directory: String

    enum State: Equatable {
        case absent
        case installed(chaining: Bool)
        /// Someone else's hook, not chained.
        case foreign
        /// Someone else's hook *and* a chained one: git-ao will not touch either.
        case conflict
    }

    func state(of name: String) -> State {
        let path = directory + "/" + name
        let ours = GitHooksInstaller.isOurs(path)
        let chained = fileExists(path + GitHooksInstaller.chainedSuffix)
        if ours { return .installed(chaining: chained) }
        if fileExists(path) { return chained ? .conflict : .foreign }
        return .absent
    }

    static func isOurs(_ path: String) -> Bool {
        guard let content = readFile(path) else { return false }
        return content.contains(marker)
    }

    /// Installs every hook; returns a line per hook, and the hooks it could not install.
    func install() throws -> (lines: [String], conflicts: [String]) {
        try makeDirectories(directory)
        var lines: [String] = []
        var conflicts: [String] = []
        for name in GitHooksInstaller.hookNames {
            let path = directory + "/" + name
            switch state(of: name) {
            case .conflict:
                conflicts.append(name)
                lines.append("\(name): left alone: both \(path) and \(path)\(GitHooksInstaller.chainedSuffix) exist and neither is git-ao's")
                continue
            case .foreign:
                guard rename(path, path + GitHooksInstaller.chainedSuffix) == 0 else {
                    throw FileError(path: path, operation: "move aside", code: errno)
                }
                try write(name, to: path)
                lines.append("\(name): installed; your hook runs first (kept as \(name)\(GitHooksInstaller.chainedSuffix))")
            case .installed(let chaining):
                if readFile(path) != GitHooksInstaller.script(for: name) { try write(name, to: path) }
                lines.append("\(name): already installed\(chaining ? " (chaining your hook)" : "")")
            case .absent:
                try write(name, to: path)
                lines.append("\(name): installed")
            }
        }
        return (lines, conflicts)
    }

    private func write(_ name: String, to path: String) throws {
        try writeFileAtomically(path, Array(GitHooksInstaller.script(for: name).utf8), mode: 0o755)
    }

    /// Removes git-ao's hooks and puts back what was there.
    func uninstall() throws -> [String] {
        var lines: [String] = []
        for name in GitHooksInstaller.hookNames {
            let path = directory + "/" + name
            switch state(of: name) {
            case .installed(let chaining):
                unlink(path)
                if chaining {
                    guard rename(path + GitHooksInstaller.chainedSuffix, path) == 0 else {
                        throw FileError(path: path, operation: "restore", code: errno)
                    }
                    lines.append("\(name): removed; your hook is back")
                } else {
                    lines.append("\(name): removed")
                }
            case .foreign, .conflict:
                lines.append("\(name): not git-ao's; left alone")
            case .absent:
                lines.append("\(name): not installed")
            }
        }
        return lines
    }

    /// The hook script. The agent's work must never make `git commit` wait or fail: git-ao's
    /// part runs only in a session worktree (a shell test of a marker file, no program started
    /// elsewhere), returns at once, and can never change the exit status.
    static func script(for name: String) -> String {
        let binary = shellQuoted(Environment.executablePath)
        let runChained: String
        // These two get input on stdin, which the chained hook must see in full.
        if name == "post-rewrite" || name == "pre-push" {
            runChained = """
                input=$(cat; printf x); input=${input%x}
                if [ -x "$chained" ]; then
                	printf '%s' "$input" | "$chained" "$@" || status=$?
                fi
                """
        } else {
            runChained = """
                if [ -x "$chained" ]; then
                	"$chained" "$@" || status=$?
                fi
                """
        }
        return """
            #!/bin/sh
            \(marker) (\(name)). Installed by 'git ao hooks install';
            # 'git ao hooks uninstall' puts back what was here. It runs the hook that was here before,
            # with the same arguments and input, keeping its output and exit status; then, only in a
            # git-ao session's worktree, it hands the event to git-ao in the background, so git never
            # waits for it. HEAD is read here, with shell built-ins only, so each event carries the
            # commit it is about even when the next commit follows at once.
            status=0
            chained="$0\(chainedSuffix)"
            \(runChained)
            gitdir=${GIT_DIR:-.git}
            if [ -f "$gitdir/ao-session" ]; then
            	head=
            	if read -r ref < "$gitdir/HEAD"; then
            		case $ref in
            		"ref: "*)
            			common=$gitdir
            			if read -r dir < "$gitdir/commondir" 2>/dev/null; then
            				case $dir in /*) common=$dir ;; *) common=$gitdir/$dir ;; esac
            			fi
            			read -r head < "$common/${ref#ref: }" 2>/dev/null || head= ;;
            		*) head=$ref ;;
            		esac
            	fi
            	ao=\(binary)
            	[ -x "$ao" ] || ao=git-ao
            	AO_HOOK_HEAD=$head "$ao" hook \(name) "$@" </dev/null >/dev/null 2>&1 &
            fi
            exit $status

            """
    }

    /// Where git runs hooks from: core.hooksPath (relative paths from the main worktree, as git
    /// resolves them there), else `<common-dir>/hooks`.
    static func hooksDirectory(workspace: Workspace) throws -> String {
        let config = try workspace.config()
        guard var path = config.nonEmpty("core.hooksPath") else { return workspace.location.commonDir + "/hooks" }
        if path == "~" || path.hasPrefix("~/") { path = (Environment.value("HOME") ?? "") + path.dropFirst() }
        if path.hasPrefix("/") { return path }
        let top = (try? workspace.repository().mainWorktreePath()) ?? nil
        return normalizedPath(absolute(path, relativeTo: top ?? workspace.location.commonDir))
    }
}

import Glibc
import Lifecycle
import Platform

/// The file in a session worktree's git admin dir (`<common-dir>/worktrees/<name>/ao-session`)
/// that names its session. Git hooks run with GIT_DIR pointing there, so the hook script can tell
/// a session worktree from any other with a shell test, before starting any program.
enum SessionMarker {
    static let fileName = "ao-session"

    static func write(_ id: SessionID, worktreeAdminDir: String) throws {
        try writeFileAtomically(worktreeAdminDir + "/" + fileName, Array((id.rawValue + "\n").utf8), mode: 0o644)
    }

    /// The session a git dir belongs to, if it is a session worktree's.
    static func read(gitDir: String) -> SessionID? {
        guard let text = readFile(gitDir + "/" + fileName)?.trimmingSpaces, !text.isEmpty else { return nil }
        return SessionID(text)
    }
}

import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// `kill` of a session whose spawn has not finished: the spawn is the one that knows what it
/// created, so it is asked to stop (SIGTERM, which its rollback handles) rather than having
/// its tmux session or worktree pulled from under it. A spawn whose process is gone is undone here.
enum SpawnStopper {
    enum Outcome {
        /// The spawn stopped and undid itself (or its leftovers were undone): what to say.
        case undone(String)
        /// The spawn finished first: kill the session as usual.
        case completed(Session)
    }

    static func isSpawning(_ session: Session) -> Bool {
        session.state == .notStarted && session.runtime == .unknown && !session.isTerminated
    }

    /// Whether `pid` is a running git-ao (so a recycled process id is never signalled).
    static func isGitAO(_ pid: Int32) -> Bool {
        guard pid > 0, Glibc.kill(pid, 0) == 0 || errno != ESRCH else { return false }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return true }  // cannot tell (another user's process): assume it is
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return baseName(path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path) == "git-ao"
    }

    static func stop(_ session: Session, workspace: Workspace, store: StateStore, tmux: Tmux) throws -> Outcome {
        let pid = try workspace.storeCall { try store.spawnPID(of: session.id) } ?? 0
        if isGitAO(pid) {
            Glibc.kill(pid, SIGTERM)
            let deadline = Clock.monotonicSeconds() + 30
            while Clock.monotonicSeconds() < deadline {
                guard let now = try workspace.storeCall({ try store.session(session.id) }) else {
                    return .undone("Stopped the spawn of session \(session.id) (process \(pid)); it removed everything it had created.")
                }
                if !isSpawning(now) {
                    if now.isTerminated { return .undone("Session \(session.id) ended while its spawn was being stopped (\(now.terminalReason?.rawValue ?? "unknown")).") }
                    return .completed(now)
                }
                if Subprocess.isGone(pid) { break }
                Clock.sleep(0.05)
            }
            if isGitAO(pid) {
                throw AOError(.runtimeFailed, "the spawn of session \(session.id) (process \(pid)) did not stop within 30 s of SIGTERM.",
                              hint: "Wait for it to finish, then run git ao kill \(session.id) again.")
            }
        }
        // The spawning process is gone: undo what it left, as an observation pass would.
        let applied = try workspace.storeCall { try store.apply(session.id, .spawnAbandoned, at: Clock.now(), eventData: EventData.of(["by": "git ao kill"])) }
        guard let failed = applied.session else {
            return .undone("Session \(session.id) no longer exists: its spawn was undone.")
        }
        if !failed.isTerminated { return .completed(failed) }
        let undo = AbandonedSpawn.undo(failed, workspace: workspace, store: store, tmux: tmux)
        return .undone("Session \(session.id) was never fully spawned (its spawn process stopped); undone: \(undo.summary).")
    }
}

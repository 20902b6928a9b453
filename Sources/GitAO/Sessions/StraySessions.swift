import Lifecycle
import Platform
import TmuxRuntime
import Worktree

/// tmux sessions named `ao-*` on the servers this repository's sessions were recorded on (and
/// the caller's default server) that belong to no live session: an agent nobody observes.
enum StraySessions {
    struct Stray: Equatable {
        let tmuxName: String
        let socket: String
        let directory: String
        /// The ended session it belongs to, when it is one of ours by name and directory.
        let session: SessionID?
    }

    /// What the servers said: the strays found, and the servers that could not be asked.
    struct Survey {
        var strays: [Stray] = []
        var unreachable: [(socket: String, reason: String)] = []
    }

    /// Looks on every known server. A tmux session counts as ours when an ended session of this
    /// repository has its name and directory, or when its directory lies under `worktreeRoot`
    /// (spawn puts every worktree there); another repository's `ao-*` sessions are left alone.
    static func survey(_ sessions: [Session], tmux: Tmux, worktreeRoot: String?) -> Survey {
        var sockets = Set(sessions.compactMap(\.tmuxSocket))
        sockets.insert(Tmux.resolvedDefaultSocketPath())
        let pending = sockets.sorted().map { ($0, tmux.on(socket: $0).startListingSessions()) }
        var survey = Survey()
        for (socket, listing) in pending {
            switch listing.result() {
            case .noServer: continue
            case .failed(let reason): survey.unreachable.append((socket, reason))
            case .listed(let running):
                for (name, directory) in running.sorted(by: { $0.key < $1.key }) where name.hasPrefix("ao-") {
                    if let stray = classify(name, directory: directory, socket: socket, sessions: sessions, worktreeRoot: worktreeRoot) {
                        survey.strays.append(stray)
                    }
                }
            }
        }
        return survey
    }

    private static func classify(_ name: String, directory: String, socket: String, sessions: [Session], worktreeRoot: String?) -> Stray? {
        // A session's agent reviewer (`<tmux name>-review`, in its worktree) belongs to it too.
        let named = sessions.filter { ($0.tmuxName == name || AgentReviewer.tmuxName(for: $0) == name)
            && (directory.isEmpty || samePath(directory, $0.worktreePath)) }
        // A live session that runs here (or whose server is not recorded yet) owns it.
        if named.contains(where: { !$0.isTerminated && ($0.tmuxSocket == nil || samePath($0.tmuxSocket!, socket)) }) { return nil }
        if let ended = named.first(where: { $0.isTerminated }) ?? named.first {
            return Stray(tmuxName: name, socket: socket, directory: directory, session: ended.id)
        }
        guard let worktreeRoot, !directory.isEmpty else { return nil }
        let root = canonicalPath(worktreeRoot)
        let place = canonicalPath(directory)
        guard place.hasPrefix(root + "/") else { return nil }
        return Stray(tmuxName: name, socket: socket, directory: directory, session: nil)
    }
}

import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// Turns one tmux query into runtime observations for every live session.
enum RuntimeProbing {
    /// Sessions a probe says something about: live, and past their spawn.
    static func probed(_ sessions: [Session]) -> [Session] {
        sessions.filter { !$0.isTerminated && !($0.state == .notStarted && $0.runtime == .unknown) }
    }

    /// One answer per probed session, with the mass-death breaker applied. A tmux session of the
    /// right name started from another directory is another repository's: ours is missing.
    static func probes(for sessions: [Session], listing: Tmux.Probe) -> (probes: [SessionID: RuntimeProbe], tripped: Bool) {
        var probes: [SessionID: RuntimeProbe] = [:]
        let socket = Tmux.defaultSocketPath() ?? "the default tmux socket"
        for session in probed(sessions) {
            switch listing {
            case .failed(let reason):
                probes[session.id] = .failed(reason: reason)
            case .listed(let running):
                if let path = running[session.tmuxName], path.isEmpty || samePath(path, session.worktreePath) {
                    probes[session.id] = .alive
                } else if running.isEmpty {
                    probes[session.id] = .missing(evidence: "no tmux server is running at \(socket)")
                } else {
                    probes[session.id] = .missing(evidence: "the tmux server at \(socket) has no session \(session.tmuxName) for \(session.worktreePath)")
                }
            }
        }
        return MassDeathBreaker.apply(probes)
    }

    /// Applies the probes, writing only those that change something (checked with the pure
    /// reducer first, then decided again inside the write transaction). Returns the sessions as
    /// they are now, and what changed.
    static func apply(_ probes: [SessionID: RuntimeProbe], to sessions: [Session], store: StateStore, now: Timestamp,
                      breakerTripped: Bool) throws -> (sessions: [Session], changes: [Applied]) {
        var result: [Session] = []
        var changes: [Applied] = []
        for session in sessions {
            guard let probe = probes[session.id], !Lifecycle.decide(session, .runtime(probe), now).patch.isEmpty else {
                result.append(session)
                continue
            }
            let extra: [String: String?] = breakerTripped ? ["breaker": "mass-death breaker tripped"] : [:]
            let applied = try store.apply(session.id, .runtime(probe), at: now, eventData: EventData.of(extra))
            if applied.changed { changes.append(applied) }
            result.append(applied.session ?? session)
        }
        return (result, changes)
    }

    /// Asks tmux once (nothing when no session is live) and applies what it said: the one
    /// probe of show and of every observation pass. (Status does the same with its query
    /// overlapped with its database read.)
    static func refresh(_ sessions: [Session], store: StateStore, tmux: Tmux?) throws -> (sessions: [Session], changes: [Applied]) {
        guard !probed(sessions).isEmpty else { return (sessions, []) }
        let listing = tmux?.listSessions() ?? .failed("tmux is not installed")
        let (probes, tripped) = self.probes(for: sessions, listing: listing)
        return try apply(probes, to: sessions, store: store, now: Clock.now(), breakerTripped: tripped)
    }
}

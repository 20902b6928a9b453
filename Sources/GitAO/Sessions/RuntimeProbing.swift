import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// Turns tmux queries into runtime observations: one query per tmux server that live sessions
/// were recorded on, each session judged only by its own server.
enum RuntimeProbing {
    /// How much a probe covers, which decides how far it may take a session.
    enum Scope {
        /// Every live session of the repository, with the mass-death breaker applied: the only
        /// probe that may conclude a death.
        case fullPass
        /// One session on its own (show, send): may move it to `detecting`, never to `terminated`,
        /// since a lone probe cannot tell a dead agent from a restarted or foreign server.
        case singleSession
    }

    /// What one round of probing saw.
    struct Outcome {
        var probes: [SessionID: RuntimeProbe]
        var tripped: Bool
        /// The socket each probed session was looked for on.
        var sockets: [SessionID: String]
    }

    /// Sessions a probe says something about: live, and past their spawn.
    static func probed(_ sessions: [Session]) -> [Session] {
        sessions.filter { !$0.isTerminated && !($0.state == .notStarted && $0.runtime == .unknown) }
    }

    /// The socket a session is looked for on: the recorded one, else (a session from before
    /// sockets were recorded) the caller's default server.
    static func socket(of session: Session) -> String {
        session.tmuxSocket ?? Tmux.resolvedDefaultSocketPath()
    }

    /// The session's own tmux server.
    static func server(of session: Session, tmux: Tmux) -> Tmux {
        tmux.on(socket: socket(of: session))
    }

    /// Starts one listing per server the sessions were recorded on, all at once. `reuse` is a
    /// listing already started (status starts the default server's before reading the database).
    static func startListings(for sessions: [Session], tmux: Tmux?, reuse: Tmux.PendingProbe? = nil) -> [String: Tmux.PendingProbe] {
        let sockets = Set(probed(sessions).map(socket(of:)))
        var pending: [String: Tmux.PendingProbe] = [:]
        if let reuse {
            if sockets.contains(reuse.socket) { pending[reuse.socket] = reuse } else { reuse.cancel() }
        }
        guard let tmux else { return pending }
        for socket in sockets.sorted() where pending[socket] == nil {
            pending[socket] = tmux.on(socket: socket).startListingSessions()
        }
        return pending
    }

    /// Collects listings started by `startListings`.
    static func collect(_ pending: [String: Tmux.PendingProbe]) -> [String: Tmux.Probe] {
        pending.mapValues { $0.result() }
    }

    /// One answer per probed session, each from its own server, with the mass-death breaker
    /// applied. A tmux session of the right name started from another directory is another
    /// repository's: ours is missing.
    static func probes(for sessions: [Session], listings: [String: Tmux.Probe]) -> Outcome {
        var probes: [SessionID: RuntimeProbe] = [:]
        var sockets: [SessionID: String] = [:]
        for session in probed(sessions) {
            let socket = socket(of: session)
            sockets[session.id] = socket
            switch listings[socket] ?? .failed("tmux is not installed") {
            case .failed(let reason):
                probes[session.id] = .failed(reason: reason)
            case .noServer(let evidence):
                probes[session.id] = missing("\(evidence), so tmux session \(session.tmuxName) is gone", session)
            case .listed(let running):
                if let path = running[session.tmuxName], path.isEmpty || samePath(path, session.worktreePath) {
                    probes[session.id] = .alive
                } else {
                    probes[session.id] = missing("the tmux server at \(socket) has no session \(session.tmuxName) for \(session.worktreePath)", session)
                }
            }
        }
        let (checked, tripped) = MassDeathBreaker.apply(probes)
        return Outcome(probes: checked, tripped: tripped, sockets: sockets)
    }

    /// Not finding a session is evidence only on the server it was recorded on. A session from
    /// before servers were recorded was looked for on the caller's default server, which may
    /// simply be the wrong one: that answer cannot be trusted either way.
    private static func missing(_ evidence: String, _ session: Session) -> RuntimeProbe {
        guard session.tmuxSocket != nil else {
            return .indeterminate(reason: "\(evidence); its tmux server was never recorded, so it may run on another one")
        }
        return .missing(evidence: evidence)
    }

    /// Whether `scope` allows `probe` to be applied to `session`: a single-session probe never
    /// takes a session already being confirmed dead any further.
    static func allowed(_ probe: RuntimeProbe, for session: Session, scope: Scope) -> Bool {
        guard scope == .singleSession, case .missing = probe else { return true }
        return session.state != .detecting
    }

    /// Applies the probes, writing only those that change something (checked with the pure
    /// reducer first, then decided again inside the write transaction). Records the server of a
    /// session that had none recorded once it is seen alive there. Returns the sessions as they
    /// are now, and what changed.
    static func apply(_ outcome: Outcome, to sessions: [Session], store: StateStore, now: Timestamp,
                      scope: Scope) throws -> (sessions: [Session], changes: [Applied]) {
        var result: [Session] = []
        var changes: [Applied] = []
        for session in sessions {
            var current = session
            if current.tmuxSocket == nil, outcome.probes[session.id] == .alive, let socket = outcome.sockets[session.id] {
                current = try store.update(session.id, at: now, event: "tmux_server", data: JSON.object(["socket": socket])) {
                    if $0.tmuxSocket == nil { $0.tmuxSocket = socket }
                } ?? current
            }
            guard let probe = outcome.probes[session.id], allowed(probe, for: current, scope: scope),
                  !Lifecycle.decide(current, .runtime(probe), now).patch.isEmpty else {
                result.append(current)
                continue
            }
            let extra: [String: String?] = outcome.tripped ? ["breaker": "mass-death breaker tripped"] : [:]
            let applied = try store.apply(session.id, .runtime(probe), at: now, eventData: EventData.of(extra))
            if applied.changed { changes.append(applied) }
            result.append(applied.session ?? current)
        }
        return (result, changes)
    }

    /// What the sessions would look like with the probes applied, without storing anything
    /// (status when the database is busy).
    static func preview(_ outcome: Outcome, to sessions: [Session], now: Timestamp, scope: Scope) -> [Session] {
        sessions.map { s in
            guard let probe = outcome.probes[s.id], allowed(probe, for: s, scope: scope) else { return s }
            return Lifecycle.decide(s, .runtime(probe), now).patch.applied(to: s)
        }
    }

    /// Asks each server once (nothing when no session is live) and applies what it said: the
    /// probe of show, send and every observation pass. (Status does the same with its default
    /// server's query overlapped with its database read.)
    static func refresh(_ sessions: [Session], store: StateStore, tmux: Tmux?, scope: Scope) throws -> (sessions: [Session], changes: [Applied], outcome: Outcome) {
        guard !probed(sessions).isEmpty else { return (sessions, [], Outcome(probes: [:], tripped: false, sockets: [:])) }
        let outcome = probes(for: sessions, listings: collect(startListings(for: sessions, tmux: tmux)))
        let applied = try apply(outcome, to: sessions, store: store, now: Clock.now(), scope: scope)
        return (applied.sessions, applied.changes, outcome)
    }

    /// The reason a probe could not answer for a session, for display.
    static func unreachableReasons(_ outcome: Outcome) -> [SessionID: String] {
        outcome.probes.compactMapValues { probe in
            if case .failed(let reason) = probe { return reason }
            if case .indeterminate(let reason) = probe { return reason }
            return nil
        }
    }
}

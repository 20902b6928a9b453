/// The status people see, derived when read and never stored.
public enum DisplayStatus: Equatable, Sendable {
    case merged
    case terminated
    /// The runtime probe could not answer; whatever was last known cannot be confirmed.
    case unreachable
    case working
    case needsInput
    case stuck
    case detecting
    /// The pull request's own status (filled by the GitHub integration).
    case pr(String)
    case idle
    /// An agent with hooks that has not signalled within 90 s of launch: its feedback loop is broken.
    case noSignal
    /// Seeded, spawn still running.
    case spawning
    /// An agent with hooks, launched less than 90 s ago, not signalled yet.
    case starting
    /// The agent's own session ended.
    case done

    public var name: String {
        switch self {
        case .merged: return "merged"
        case .terminated: return "terminated"
        case .unreachable: return "unreachable"
        case .working: return "working"
        case .needsInput: return "needs_input"
        case .stuck: return "stuck"
        case .detecting: return "detecting"
        case .pr(let status): return status
        case .idle: return "idle"
        case .noSignal: return "no_signal"
        case .spawning: return "spawning"
        case .starting: return "starting"
        case .done: return "done"
        }
    }

    /// How long an agent with hooks may stay silent after launch before it shows `no_signal`.
    public static let signalGrace = TimeSpan.seconds(90)

    /// The status and the reason behind it. Rows apply in order; the first that matches wins:
    /// 1 terminated + merged; 2 terminated; (unreachable: the probe failed, so nothing live can be
    /// claimed); 3 working; 4 needs_input; 5 stuck; 6 detecting; 7 the PR's status; 8 idle;
    /// 9 no_signal; then spawning, starting and done.
    /// `conflictingPaths`: the local prediction that the branch conflicts with its base (nil:
    /// no conflict predicted). It ranks with the PR's status, as `conflicting`, PR or not.
    public static func of(_ s: Session, now: Timestamp, conflictingPaths: [String]? = nil) -> (status: DisplayStatus, reason: String) {
        if s.isTerminated && s.pr?.state == .merged {
            return (.merged, "ended after pull request #\(s.pr!.number) was merged")
        }
        if s.isTerminated {
            return (.terminated, "ended: \(s.terminalReason?.rawValue ?? "unknown")")
        }
        if s.runtime == .probeFailed && s.state != .notStarted {
            let server = s.tmuxSocket.map { "the tmux server at \($0)" } ?? "the tmux server"
            return (.unreachable, "\(server) could not be asked about \(s.tmuxName) (last known: \(s.state.rawValue)); "
                    + "the agent may still run there: make the server reachable, or use git ao restore \(s.id) or git ao kill \(s.id)")
        }
        switch s.state {
        case .working:
            // Name the real source: the agent's hooks, or git-ao's reading of its screen.
            if !s.agentHasHooks { return (.working, "judged by its screen \(ago(s.lastSignalAt ?? s.activitySince, now))") }
            return (.working, s.activity == .active ? "the agent reported activity \(ago(s.activitySince, now))" : "the agent is running")
        case .needsInput:
            if s.activity == .blocked { return (.needsInput, "a permission dialog is open") }
            return (.needsInput, s.agentHasHooks ? "the agent asked a question" : "a question on its screen, judged \(ago(s.lastSignalAt ?? s.activitySince, now))")
        case .stuck:
            return (.stuck, "no progress \(ago(s.lastSignalAt ?? s.activitySince, now))")
        case .detecting:
            return (.detecting, "tmux session \(s.tmuxName) is missing; confirming before concluding it is dead")
        case .idle, .notStarted, .done, .terminated:
            break
        }
        if let paths = conflictingPaths, s.state == .idle || s.state == .done || s.pr?.isOpen == true {
            let list = paths.prefix(3).joined(separator: ", ") + (paths.count > 3 ? ", ..." : "")
            return (.pr("conflicting"), "conflicts with its base" + (list.isEmpty ? "" : " in \(list)"))
        }
        if let pr = s.pr, pr.state != .merged && pr.state != .closed {
            return (.pr(pr.summary ?? "pr_\(pr.state.rawValue)"), "pull request #\(pr.number) is \(pr.state.rawValue)")
        }
        if s.state == .idle {
            return (.idle, "the agent is waiting for work since \(ago(s.activitySince, now))")
        }
        if s.state == .notStarted {
            if s.runtime == .unknown { return (.spawning, "spawn has not finished") }
            if s.agentHasHooks, s.activity == nil, s.lastSignalAt == nil, let launched = s.launchedAt, now - launched >= signalGrace {
                return (.noSignal, "launched \(ago(launched, now)) and its hooks never reported; check the agent's hook set-up")
            }
            return (.starting, "launched; waiting for the agent's first signal")
        }
        // A merge parks a live agent as done: saying its session ended would be untrue.
        if let pr = s.pr, pr.state == .merged {
            return (.done, "pull request #\(pr.number) was merged; git ao cleanup ends the session and removes its worktree")
        }
        return (.done, "the agent's session ended")
    }

    /// Whether a predicted conflict with the base must be said beside `status` (`working,
    /// conflict`): the status outranks it (an agent at work, a question, a PR's own status), yet
    /// the conflict is still there and still the user's to know. Not when the status already is
    /// the conflict, nor for an ended session, whose branch nobody is working on.
    public static func conflictBeside(_ status: DisplayStatus, session: Session, conflicting: Bool) -> Bool {
        conflicting && !session.isTerminated && status != .pr("conflicting")
    }

    private static func ago(_ time: Timestamp?, _ now: Timestamp) -> String {
        guard let time else { return "at an unknown time" }
        return (now - time).age(.spoken) + " ago"
    }
}

/// Deaths in one pass that are more likely a probe problem than deaths.
public enum MassDeathBreaker {
    public static let minimumDeaths = 5

    /// If at least 5 of the probed sessions are missing and they are more than half of those
    /// probed, every missing one is treated as a failed probe: that is a restarted (or different)
    /// tmux server, not five agents dying at once.
    public static func apply(_ probes: [SessionID: RuntimeProbe]) -> (probes: [SessionID: RuntimeProbe], tripped: Bool) {
        let deaths = probes.values.filter { if case .missing = $0 { return true } else { return false } }.count
        guard deaths >= minimumDeaths && deaths * 2 > probes.count else { return (probes, false) }
        let reason = "\(deaths) of \(probes.count) sessions missing in one pass: the tmux server was probably restarted or is not the one they ran in"
        return (probes.mapValues { probe in
            if case .missing = probe { return .failed(reason: reason) }
            return probe
        }, true)
    }
}

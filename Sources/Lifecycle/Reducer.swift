/// The lifecycle reducer: `decide(canonical, observation, now) -> Decision`.
///
/// Pure: no clock, no IO, no store. The caller re-reads the session inside its write
/// transaction, calls `decide`, and stores the patch and the effects together.
///
/// Ownership of the axes:
/// - liveness (runtime probes) owns the runtime axis and the `detecting` and death states;
/// - activity signals own `working`, `idle`, `needs_input` (for both waiting_input and blocked)
///   and `done`, and never write the death axis;
/// - escalation (ticks) owns `stuck`;
/// - only `restored` leaves `terminated`.
public enum Lifecycle {
    /// Death is concluded only when the session is still gone on a probe this long after the first.
    public static let deathConfirmation = TimeSpan.seconds(10)
    /// While nothing changes, `lastSignalAt` is refreshed at most this often (a write per tool
    /// call would flood the change log).
    public static let signalRefresh = TimeSpan.seconds(60)

    /// Decides what an observation does to a session (nil: no such session).
    public static func decide(_ canonical: Session?, _ observation: Observation, _ now: Timestamp) -> Decision {
        switch observation {
        case .spawnCompleted(let hooks): return onSpawnCompleted(canonical, agentHasHooks: hooks, now: now)
        case .restored(let hooks): return onRestored(canonical, agentHasHooks: hooks, now: now)
        case .spawnAbandoned: return onSpawnAbandoned(canonical)
        case .killRequested: return onKillRequested(canonical)
        case .runtime(let probe): return applyRuntimeObservation(canonical, probe, now: now)
        case .activity(let signal): return applyActivitySignal(canonical, signal, now: now)
        case .scm(let pr): return applySCMObservation(canonical, pr)
        case .head(let sha, let cause): return applyHead(canonical, sha, cause: cause)
        case .tick(let policy): return tickEscalations(canonical, policy, now: now)
        }
    }

    // MARK: Spawn, restore, kill

    public static func onSpawnCompleted(_ canonical: Session?, agentHasHooks: Bool, now: Timestamp) -> Decision {
        guard let session = canonical else { return .rejected("spawn completed for a session that was never seeded") }
        if session.isTerminated { return .rejected("session \(session.id) ended before its spawn completed") }
        guard session.state == .notStarted, session.runtime == .unknown else {
            return .noChange("spawn was already completed")
        }
        var next = session
        started(&next, agentHasHooks: agentHasHooks, now: now)
        // The agent may have asked something before its spawn finished.
        let effects: [Effect] = next.state == .needsInput
            ? [.notify(.needsInput, message: "session \(session.id) \(next.activity == .blocked ? "is waiting at a permission dialog" : "is waiting for your answer")")] : []
        return decision(session, next, reason: agentHasHooks ? "agent started; waiting for its first signal" : "agent started", event: .spawned, effects: effects)
    }

    public static func onRestored(_ canonical: Session?, agentHasHooks: Bool, now: Timestamp) -> Decision {
        guard let session = canonical else { return .rejected("restore of a session that does not exist") }
        var next = session
        next.terminalReason = nil
        next.cleanedAt = nil
        next.detecting = nil
        next.activity = nil
        next.activitySince = nil
        next.lastSignalAt = nil
        started(&next, agentHasHooks: agentHasHooks, now: now)
        return decision(session, next, reason: "restored by git ao restore", event: .restored)
    }

    /// What a fresh start of the agent looks like: alive, and working at once unless the agent
    /// reports its own activity (then its first signal says what it is doing).
    private static func started(_ next: inout Session, agentHasHooks: Bool, now: Timestamp) {
        next.runtime = .alive
        next.launchedAt = now
        next.agentHasHooks = agentHasHooks
        if !agentHasHooks && next.activity == nil {
            next.activity = .active
            next.activitySince = now
        }
        next.state = sessionState(for: next.activity, agentHasHooks: agentHasHooks)
    }

    public static func onSpawnAbandoned(_ canonical: Session?) -> Decision {
        guard let session = canonical, !session.isTerminated, session.state == .notStarted, session.runtime == .unknown else {
            return .noChange("the spawn completed or the session already ended")
        }
        var next = session
        terminate(&next, .spawnFailed)
        return decision(session, next, reason: "the process spawning the session stopped before it finished", event: .spawnFailed)
    }

    public static func onKillRequested(_ canonical: Session?) -> Decision {
        guard let session = canonical, !session.isTerminated else { return .noChange("nothing to kill") }
        var next = session
        terminate(&next, .killed)
        next.runtime = .dead
        return decision(session, next, reason: "killed by git ao kill", event: .killed, effects: resolvedNotifications(session))
    }

    // MARK: Runtime (liveness)

    public static func applyRuntimeObservation(_ canonical: Session?, _ probe: RuntimeProbe, now: Timestamp) -> Decision {
        guard let session = canonical else { return .noChange("no such session") }
        var next = session
        if session.isTerminated {
            // Terminal is terminal: a probe may only refresh what it measures.
            next.runtime = runtimeState(for: probe)
            return decision(session, next, reason: "runtime of an ended session refreshed", event: .runtime)
        }
        if session.state == .notStarted && session.runtime == .unknown {
            return .noChange("spawn is still in progress")
        }
        switch probe {
        case .alive:
            next.runtime = .alive
            next.detecting = nil
            if session.state == .detecting {
                next.state = sessionState(for: session.activity, agentHasHooks: session.agentHasHooks)
                return decision(session, next, reason: "the tmux session is there again", event: .recovered)
            }
            return decision(session, next, reason: "the tmux session is running", event: .runtime)
        case .failed(let reason), .indeterminate(let reason):
            // Never evidence of death: only the runtime axis records that the probe failed.
            next.runtime = .probeFailed
            return decision(session, next, reason: "the runtime probe failed (\(reason))", event: .runtime)
        case .missing(let evidence):
            next.runtime = .dead
            let hash = evidenceHash(evidence)
            guard let memory = session.detecting else {
                next.state = .detecting
                next.detecting = DetectingMemory(startedAt: now, evidenceHash: hash, attempts: 1)
                return decision(session, next, reason: "the tmux session is missing (\(evidence)); confirming before concluding it is dead", event: .detecting)
            }
            if now - memory.startedAt >= deathConfirmation {
                terminate(&next, .runtimeLost)
                return decision(session, next, reason: "the tmux session is still missing \((now - memory.startedAt).seconds) s after it was first found gone",
                                event: .runtimeLost, effects: resolvedNotifications(session))
            }
            next.detecting = DetectingMemory(startedAt: memory.startedAt, evidenceHash: hash, attempts: memory.attempts + 1)
            return decision(session, next, reason: "the tmux session is still missing; waiting until \(deathConfirmation.seconds) s have passed", event: .detecting)
        }
    }

    static func runtimeState(for probe: RuntimeProbe) -> RuntimeState {
        switch probe {
        case .alive: return .alive
        case .missing: return .dead
        case .failed, .indeterminate: return .probeFailed
        }
    }

    // MARK: Activity

    public static func applyActivitySignal(_ canonical: Session?, _ signal: ActivitySignal, now: Timestamp) -> Decision {
        guard let session = canonical else { return .noChange("no such session") }
        if session.isTerminated { return .noChange("session \(session.id) has ended; signals cannot bring it back") }
        var next = session
        if session.state == .notStarted && session.runtime == .unknown {
            // The spawn is still running and may yet be undone: remember what the agent said (its
            // spawn completion derives the state from it), but liveness and the session state stay
            // the spawn's to set, so every other command still sees a spawn in progress.
            if let activity = signal.activity, session.activity != activity {
                next.activity = activity
                next.activitySince = now
            }
            next.lastSignalAt = now
            if let id = signal.agentSessionID, !id.isEmpty { next.agentSessionID = id }
            return decision(session, next, reason: "\(signal.source): \(signal.activity?.rawValue ?? "alive") (spawn still in progress)", event: .activity)
        }
        // A valid signal is proof of life.
        next.runtime = .alive
        next.detecting = nil
        let activity = signal.activity ?? session.activity
        if session.activity != activity {
            next.activity = activity
            next.activitySince = now
        }
        if session.activity != activity || session.lastSignalAt.map({ now - $0 >= signalRefresh }) ?? true {
            next.lastSignalAt = now
        }
        if let id = signal.agentSessionID, !id.isEmpty { next.agentSessionID = id }
        // A signal that says nothing about activity leaves escalation's `stuck` alone, and an
        // agent idling after its work is done (its PR merged) stays parked as done: only new
        // work (activity) or a question takes it out.
        if (signal.activity != nil || session.state == .detecting) && !(session.state == .done && activity == .idle) {
            next.state = sessionState(for: activity, agentHasHooks: session.agentHasHooks)
        }

        var effects: [Effect] = []
        if next.state == .needsInput && session.state != .needsInput {
            let what = activity == .blocked ? "is waiting at a permission dialog" : "is waiting for your answer"
            effects.append(.notify(.needsInput, message: "session \(session.id) \(what)"))
        }
        if session.state == .needsInput && next.state != .needsInput { effects.append(.resolveNotification(.needsInput)) }
        if session.state == .stuck && next.state != .stuck { effects.append(.resolveNotification(.stuck)) }
        return decision(session, next, reason: "\(signal.source): \(signal.activity?.rawValue ?? "alive")", event: .activity, effects: effects)
    }

    /// The session state an activity stands for.
    public static func sessionState(for activity: Activity?, agentHasHooks: Bool) -> SessionState {
        switch activity {
        case .active: return .working
        case .idle: return .idle
        case .waitingInput, .blocked: return .needsInput
        case .exited: return .done
        case nil: return agentHasHooks ? .notStarted : .working
        }
    }

    // MARK: SCM, HEAD

    /// The forge observation owns the PR axis. A merge parks a live session as `done` (its work
    /// is finished) and tells the human; a close without merge tells the human; a PR that
    /// becomes ready to merge (CI passing, approved or no review required, no unresolved human
    /// thread, mergeable) tells the human once, and stops saying so when it no longer is.
    /// A failed fetch never reaches here: the caller passes only what GitHub answered.
    public static func applySCMObservation(_ canonical: Session?, _ observed: PRStatus?) -> Decision {
        guard let session = canonical else { return .noChange("no such session") }
        var pr = observed
        if let summary = observed?.displaySummary { pr?.summary = summary }
        var next = session
        next.pr = pr
        let was = session.pr
        let label = pr.map { "#\($0.number) \($0.summary ?? $0.state.rawValue)" } ?? "none"
        // A terminated session only records what its PR became.
        guard !session.isTerminated, let pr else {
            return decision(session, next, reason: "pull request \(label)", event: .pr)
        }
        var effects: [Effect] = []
        var reason = "pull request \(label)"
        let newlyMerged = pr.state == .merged && (was?.state != .merged || was?.number != pr.number)
        let newlyClosed = pr.state == .closed && (was?.state != .closed || was?.number != pr.number)
        if newlyMerged {
            reason = "pr_merged: pull request #\(pr.number) was merged"
            if [.working, .idle, .needsInput, .stuck].contains(session.state) {
                effects += resolvedNotifications(session)
                next.state = .done
            }
            effects.append(.notify(.prMerged, message: "pull request #\(pr.number) of session \(session.id) was merged"))
        } else if newlyClosed {
            reason = "pr_closed: pull request #\(pr.number) was closed without merging"
            effects.append(.notify(.prClosed, message: "pull request #\(pr.number) of session \(session.id) was closed without merging"))
        }
        let wasReady = was?.isReadyToMerge ?? false
        if pr.isReadyToMerge && !wasReady {
            effects.append(.notify(.readyToMerge, message: "pull request #\(pr.number) of session \(session.id) is ready to merge"))
        } else if wasReady && !pr.isReadyToMerge {
            effects.append(.resolveNotification(.readyToMerge))
        }
        return decision(session, next, reason: reason, event: .pr, effects: effects)
    }

    /// Records where HEAD is. Not an activity signal: a person may commit in an agent's worktree.
    public static func applyHead(_ canonical: Session?, _ sha: CommitSHA, cause: HeadCause) -> Decision {
        guard let session = canonical else { return .noChange("no such session") }
        var next = session
        next.headSHA = sha
        return decision(session, next, reason: "\(cause.source): HEAD is \(sha.short)", event: EventKind(cause))
    }

    // MARK: Escalation

    public static func tickEscalations(_ canonical: Session?, _ policy: EscalationPolicy, now: Timestamp) -> Decision {
        guard let session = canonical, !session.isTerminated else { return .noChange("nothing to escalate") }
        // Sticky: a question or a permission dialog waits for the human however long it takes.
        if session.activity == .waitingInput || session.activity == .blocked { return .noChange("waiting for the human") }
        guard session.state == .working || session.state == .idle else { return .noChange("no escalation applies") }
        let quietSince: Timestamp?
        let why: String
        if session.state == .working && session.activity == .active {
            quietSince = session.lastSignalAt ?? session.activitySince ?? session.launchedAt
            why = "no sign of activity"
        } else if session.state == .idle && session.activity == .idle && session.hasOpenTask {
            quietSince = session.activitySince
            why = "idle with its task open and no pull request"
        } else {
            return .noChange("no escalation applies")
        }
        guard let since = quietSince, now - since >= policy.stuckAfter else { return .noChange("not quiet long enough") }
        var next = session
        next.state = .stuck
        let minutes = (now - since).seconds / 60
        return decision(session, next, reason: "\(why) for \(minutes) min", event: .stuck,
                        effects: [.notify(.stuck, message: "session \(session.id) looks stuck: \(why) for \(minutes) min")])
    }

    // MARK: Helpers

    private static func terminate(_ next: inout Session, _ reason: TerminalReason) {
        next.state = .terminated
        next.terminalReason = reason
        next.detecting = nil
    }

    private static func resolvedNotifications(_ session: Session) -> [Effect] {
        var effects: [Effect] = []
        if session.state == .needsInput { effects.append(.resolveNotification(.needsInput)) }
        if session.state == .stuck { effects.append(.resolveNotification(.stuck)) }
        return effects
    }

    /// A decision from the session before and after; empty (no write) when nothing changed.
    private static func decision(_ old: Session, _ new: Session, reason: String, event: EventKind, effects: [Effect] = []) -> Decision {
        let patch = SessionPatch(from: old, to: new)
        if patch.isEmpty { return .noChange(reason) }
        return Decision(patch: patch, effects: effects, reason: reason, event: event)
    }
}

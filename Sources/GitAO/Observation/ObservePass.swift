import Agents
import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// One observation pass over a repository's sessions:
/// abandoned spawns, one tmux query for every session's runtime, the screen heuristic for agents
/// without hooks, review runs whose reviewer is gone, GitHub (see ForgeStep), escalation ticks,
/// then the outbox. Only one pass per repository runs at a time.
struct ObservePass {
    let workspace: Workspace
    /// Limit the per-session work (heuristics, ticks, delivery) to one session; the tmux query
    /// still covers every session, since it costs the same.
    var only: SessionID?
    /// `observe --refresh`: ask GitHub now, whatever `ao.github.interval` says.
    var refresh = false
    /// The CI follower's pass (with `only`): the commit it follows. Its PR's checks are read with
    /// requests of its own instead of the repository's full, interval-limited poll.
    var followHead: String? = nil

    /// One line per change, for `git ao watch` and `git ao observe`.
    struct Change {
        let session: SessionID
        let text: String
    }

    enum Outcome {
        case ran([Change])
        /// Another pass held the lock for longer than we were willing to wait.
        case busy(owner: Int32?)
    }

    static let lockName = "observe.lock"

    /// `whenLocked` runs once the lock is held, before any state is read (a requested pass
    /// consumes its request there: see PassRequest).
    func run(wait: Double = 2, whenLocked: () -> Void = {}) throws -> Outcome {
        guard let store = try workspace.store() else { return .ran([]) }
        // A pass records what it sees; a user who cannot write the state gets the reason, not a
        // failed lock file.
        if store.isReadOnly { _ = try workspace.requireStore() }
        let lockPath = workspace.location.aoDirectory + "/" + ObservePass.lockName
        guard let lock = try FileLock.acquire(lockPath, wait: wait) else { return .busy(owner: FileLock.owner(of: lockPath)) }
        lock.recordOwner()
        defer { lock.release() }
        whenLocked()
        let config = (try? workspace.config()) ?? GitConfig()
        return .ran(try workspace.storeCall { try pass(store: store, config: config) })
    }

    private func pass(store: StateStore, config: GitConfig) throws -> [Change] {
        var changes: [Change] = []
        var sessions = try store.sessions()
        func record(_ applied: Applied) {
            guard applied.changed, let session = applied.session else { return }
            changes.append(Change(session: session.id, text: "\(applied.decision.event?.rawValue ?? "unchanged"): \(applied.decision.reason)"))
        }

        let tmux = Tmux.locate()

        // Spawns whose process died before they completed: marked failed, and what they started
        // is undone the way their own journal would have.
        for session in sessions where AbandonedSpawn.isAbandoned(session, store: store) {
            // Its setup step may still run in its own process group: ended first.
            SetupStep.endAbandoned(session.id, aoDirectory: workspace.location.aoDirectory)
            let applied = try store.apply(session.id, .spawnAbandoned, at: Clock.now(), eventData: EventData.of([:]))
            record(applied)
            if applied.changed, let failed = applied.session {
                let undo = AbandonedSpawn.undo(failed, workspace: workspace, store: store, tmux: tmux)
                changes.append(Change(session: session.id, text: "spawn_undone: " + undo.summary))
            }
        }
        sessions = try store.sessions()

        // One tmux query per server for every session's runtime.
        let probed = try RuntimeProbing.refresh(sessions, store: store, tmux: tmux, scope: .fullPass)
        probed.changes.forEach(record)
        sessions = probed.sessions

        // The stored head is the worktree's HEAD: a hook event lost (or held behind a busy
        // database) is corrected here. No head recorded yet means the session's base.
        let commonDir = workspace.location.commonDir
        for session in sessions where !session.isTerminated && (only == nil || session.id == only) {
            let read = { GitRefs.worktreeHeadSHA(worktreePath: session.worktreePath, commonDir: commonDir).map(CommitSHA.init) }
            guard let actual = read(), actual != (session.headSHA ?? session.baseSHA) else { continue }
            record(try store.apply(session.id, .head(actual, cause: .observed), at: Clock.now(),
                                   eventData: EventData.of(["sha": actual.rawValue]), worktreeHead: read))
        }
        sessions = try store.sessions()

        let mine = sessions.filter { only == nil || $0.id == only }
        let catalog = AgentCatalog(config: config)

        // The screen heuristic, for agents that do not report their own activity.
        if let tmux {
            for session in mine where !session.isTerminated && !session.agentHasHooks && session.runtime == .alive {
                let agent = try? catalog.definition(session.agent)
                let server = RuntimeProbing.server(of: session, tmux: tmux)
                guard let signal = try? ScreenHeuristic.signal(for: session, agent: agent, tmux: server, store: store, now: Clock.now()) else { continue }
                if Lifecycle.decide(session, .activity(signal), Clock.now()).patch.isEmpty { continue }
                record(try store.apply(session.id, .activity(signal), at: Clock.now(), eventData: EventData.of([:])))
            }
        }

        // Review runs that say running while nothing runs them (a reviewer gone, or past
        // ao.review.timeout) fail, visibly, instead of blocking the next review forever.
        let watchdog = ReviewWatchdog(workspace: workspace, store: store, config: config)
        for failed in try watchdog.run(session: only, now: Clock.now()) {
            changes.append(Change(session: failed.run.sessionID, text: "review_failed: run \(failed.run.id): \(failed.why)"))
        }
        // Work whose background process died: a review whose debounce process was killed, and
        // any session's request for a pass whose pass died or gave up on a busy lock.
        for session in try watchdog.recoverStrandedClaims(now: Clock.now()) {
            changes.append(Change(session: session, text: "review_resumed: its debounce process died; reviewing its latest commit"))
        }
        let location = workspace.location
        for session in PassRequest.sweep(aoDirectory: location.aoDirectory, start: { ObservePass.startInBackground(location: location, session: $0, then: ["--requested"]) }) {
            changes.append(Change(session: session, text: "pass_resumed: its requested pass died; started another"))
        }

        // Local conflict prediction (no GitHub needed), when a branch or its base moved.
        try ConflictPredictor(workspace: workspace, store: store).run(sessions: sessions, now: Clock.now())

        // GitHub: pull requests, CI, reviews (at most once per ao.github.interval).
        // The CI follower asks only for its PR's checks at the pushed commit, once that PR is known.
        let forge = ForgeStep(workspace: workspace, store: store, config: config, force: refresh)
        var followed = false
        if let followHead, let only, let session = sessions.first(where: { $0.id == only }), !session.isTerminated {
            followed = try forge.followChecks(of: session, head: followHead, record: record)
        }
        if !followed { try forge.run(sessions: sessions, record: record) }

        // Issue intake, in a detached process of its own (see IntakeTrigger).
        IntakeTrigger(workspace: workspace, store: store, config: config).run()

        // Escalations.
        let policy = EscalationPolicy(stuckAfter: try config.timeSpan(ConfigKeys.stuckAfter) ?? .minutes(10))
        for session in try store.sessions() where !session.isTerminated && (only == nil || session.id == only) {
            if Lifecycle.decide(session, .tick(policy), Clock.now()).patch.isEmpty { continue }
            record(try store.apply(session.id, .tick(policy), at: Clock.now(), eventData: EventData.of([:])))
        }

        // Effects of everything above (and of earlier changes whose delivery had to wait).
        let delivery = OutboxDelivery(workspace: workspace, store: store, config: config)
        for report in try delivery.deliver(session: only, now: Clock.now()) {
            changes.append(Change(session: report.session, text: report.text))
        }
        return changes
    }

    /// Starts a pass in the background, detached, and returns at once: for git hooks and agents'
    /// hooks, which must never wait for tmux, the notifier or the agent's reaction.
    /// `extra` adds options to the pass's command line (`--requested`).
    @discardableResult
    static func startInBackground(location: RepoLocation, session: SessionID?, then extra: [String] = []) -> pid_t? {
        let environment = backgroundEnvironment()
        var argv = [Environment.executablePath, "-C", location.commonDir, "observe", "--quiet"]
        if let session { argv += ["--session", session.rawValue] }
        argv += extra
        do {
            return try Subprocess.spawnDetached(argv, environment: environment, directory: "/", logPath: HookLog.path(aoDirectory: location.aoDirectory))
        } catch {
            HookLog.append("could not start a background pass: \(error)", aoDirectory: location.aoDirectory)
            return nil
        }
    }

    /// The environment for a pass or follower started in the background: this process's minus
    /// what describes only this invocation, but keeping the tmux server and the GitHub settings
    /// (AO_GITHUB_API_URL, AO_GITHUB_TOKEN), which a pass started from a hook needs as much as
    /// the command that triggered it.
    static func backgroundEnvironment() -> [String: String] {
        var environment = Environment.all().filter {
            !LaunchPlan.isInvocationSpecific($0.key) || $0.key.hasPrefix("TMUX") || $0.key.hasPrefix("AO_GITHUB_")
        }
        environment["GIT_DIR"] = nil
        return environment
    }
}

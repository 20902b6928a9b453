import Agents
import Glibc
import Lifecycle
import Platform
import Store
import Worktree

/// What agents' hooks (`git ao signal`) and git hooks (`git ao hook`) do. Both run on every tool
/// call or commit, so both are fast, always succeed, never print, and write problems to
/// hooks.log; anything slow (tmux, notifications, typing into an agent) happens in a pass
/// started in the background.
enum HookActions {
    /// `git ao signal <agent> <event>`: the agent's hook payload is on stdin.
    static func signal(agent: String, event: String) {
        guard let id = Environment.value("AO_SESSION_ID").flatMap({ $0.isEmpty ? nil : SessionID($0) }) else { return }
        let location: RepoLocation
        if let repo = Environment.value("AO_REPO"), !repo.isEmpty {
            location = RepoLocation(gitDir: repo, commonDir: repo)
        } else if let found = RepoLocation.locate() {
            location = found
        } else {
            return
        }
        let bytes = Console.stdinIsTerminal ? [] : readStandardInput(limit: 1 << 20, timeout: 2)
        let payload = bytes.isEmpty ? nil : try? JSONValue.parse(bytes)
        guard let signal = AgentHooks.signal(agent: agent, event: event, payload: payload) else { return }
        record(location: location, session: id) { store, session, now in
            try apply(.activity(signal), to: session, store: store, now: now, data: ["agent": agent, "event": event])
        }
    }

    /// `git ao hook <name> [args]`: a git hook fired in some worktree.
    static func gitHook(name: String, arguments: [String]) {
        // The hook script starts this process in the background with its standard streams on
        // /dev/null, but every other descriptor git's caller left open is inherited: a program
        // that runs `git commit` and reads its output to the end would wait for this process.
        closeInheritedDescriptors()
        let gitDir: String
        if let env = Environment.value("GIT_DIR"), !env.isEmpty {
            gitDir = absolute(env, relativeTo: currentDirectory())
        } else {
            gitDir = currentDirectory() + "/.git"
        }
        guard let id = SessionMarker.read(gitDir: gitDir) else { return }
        let commonDir = readFile(gitDir + "/commondir").map { canonicalPath(absolute($0.trimmingSpaces, relativeTo: gitDir)) } ?? gitDir
        let location = RepoLocation(gitDir: gitDir, commonDir: commonDir)
        let cause: HeadCause
        switch name {
        case "post-commit": cause = .commit
        case "post-rewrite": cause = .rewrite
        case "post-merge": cause = .merge
        case "pre-push":
            // The session pushed: follow its pull request's CI in the background (one follower
            // per session), so a CI failure reaches the agent without a watch running.
            CIFollower.start(location: location, session: id)
            return
        case "post-checkout":
            // A file checkout (third argument 0) does not move HEAD.
            if arguments.count >= 3 && arguments[2] == "0" { return }
            cause = .checkout
        default:
            HookLog.append("unknown git hook '\(name)'", aoDirectory: location.aoDirectory)
            return
        }
        // The hook script read HEAD when git ran it (this process runs in the background, when
        // HEAD may already have moved on); a packed ref it could not read is resolved here.
        let fromScript = Environment.value("AO_HOOK_HEAD").flatMap { GitRefs.isSHA($0) ? $0 : nil }
        guard let sha = fromScript ?? GitRefs.headSHA(gitDir: gitDir, commonDir: commonDir) else {
            HookLog.append("\(name) in session \(id): could not read HEAD in \(gitDir)", aoDirectory: location.aoDirectory)
            return
        }
        // The event says what this hook saw; the stored head only moves to a sha that is HEAD
        // when the write lock is held, so a hook that waited behind a busy database never puts
        // an older head back. A new commit also gets a review, debounced, by the background
        // pass that serves this request (one pass for a burst of commits: see PassRequest).
        record(location: location, session: id, alwaysPass: true, review: cause == .checkout ? nil : sha) { store, session, now in
            try apply(.head(CommitSHA(sha), cause: cause), to: session, store: store, now: now, data: ["sha": sha, "hook": name]) {
                GitRefs.headSHA(gitDir: gitDir, commonDir: commonDir).map(CommitSHA.init)
            }
        }
    }

    /// Opens the store, runs `body`, and asks for a background pass when there is something for
    /// one to do (and `review`, a commit to review). Errors go to hooks.log; nothing reaches the caller.
    private static func record(location: RepoLocation, session id: SessionID, alwaysPass: Bool = false, review: String? = nil,
                               _ body: (StateStore, Session, Timestamp) throws -> Applied?) {
        do {
            guard let store = try StateStore.open(directory: location.aoDirectory, create: false),
                  let session = try store.session(id) else { return }
            let applied = try body(store, session, Clock.now())
            let deliverable = applied.flatMap { $0.session.map { DeliveryRules.hold($0) == nil } } ?? false
            let hasEffects = applied?.decision.effects.isEmpty == false
            let wantsPass = try alwaysPass || hasEffects || (deliverable && !store.pendingOutbox(session: id).isEmpty)
            if wantsPass {
                PassRequest.post(aoDirectory: location.aoDirectory, session: id, review: review) { carried in
                    ObservePass.startInBackground(location: location, session: id, then: ["--requested"] + (carried.map { ["--review-commit", $0] } ?? []))
                }
            }
        } catch {
            HookLog.append("session \(id): \(AOError.wrapping(error).message)", aoDirectory: location.aoDirectory)
        }
    }

    /// Decides with the session already read, and takes the write lock only when the decision
    /// changes something: most tool-call signals change nothing.
    private static func apply(_ observation: Observation, to session: Session, store: StateStore, now: Timestamp,
                              data: [String: String?], worktreeHead: (() -> CommitSHA?)? = nil) throws -> Applied? {
        if Lifecycle.decide(session, observation, now).patch.isEmpty { return nil }
        return try store.apply(session.id, observation, at: now, eventData: EventData.of(data), worktreeHead: worktreeHead)
    }
}

import Agents
import Glibc
import Lifecycle
import Platform
import Store

/// Honest status for agents judged by their screen: a judgment is only as fresh as the last
/// observation pass that looked. Status shows one older than a pass interval with its age
/// (`working?`, "judged by its screen 3 min ago") and starts a pass in the background, so the
/// next status is fresh.
enum ScreenJudgments {
    /// `git ao watch`'s default interval: a judgment older than this is not current.
    static let staleAfter = TimeSpan.seconds(30)

    /// What the screen said, by which rule, how long ago; `stale` when older than a pass interval.
    struct Judgment: Equatable {
        let reason: String
        let stale: Bool
    }

    /// The judgments behind `sessions`' statuses; starts one background pass when any is stale.
    /// The reasons (which need the agents' definitions, so git config) are worked out only when
    /// `withReasons` (status -v shows them): plain status stays one process and one tmux query.
    static func of(_ sessions: [Session], workspace: Workspace, now: Timestamp, withReasons: Bool) -> [SessionID: Judgment] {
        let judged = sessions.filter { !$0.isTerminated && !$0.agentHasHooks && $0.runtime == .alive
            && ($0.state == .working || $0.state == .idle || ($0.state == .needsInput && $0.activity != .blocked)) }
        guard !judged.isEmpty, let store = try? workspace.store() else { return [:] }
        let looks = (try? store.screenLooks()) ?? [:]
        let catalog = withReasons ? (try? workspace.config()).map(AgentCatalog.init(config:)) : nil
        var judgments: [SessionID: Judgment] = [:]
        for session in judged {
            let seen = looks[session.id] ?? session.launchedAt ?? session.createdAt
            let stale = now - seen > staleAfter
            let agent = try? catalog?.definition(session.agent)
            judgments[session.id] = Judgment(reason: withReasons ? reason(session, agent: agent, seen: seen, now: now, stale: stale) : "",
                                             stale: stale)
        }
        if judgments.values.contains(where: \.stale) { startPass(workspace: workspace, now: now) }
        return judgments
    }

    /// Starts one background pass, at most once per `staleAfter` for the repository (a stamp
    /// file's time says when the last one was started), so a loop running status does not start
    /// a pass per call.
    static func startPass(workspace: Workspace, now: Timestamp) {
        let stamp = workspace.location.aoDirectory + "/status-pass.stamp"
        var info = stat()
        if stat(stamp, &info) == 0, now - Timestamp(seconds: Int64(info.st_mtim.tv_sec)) < staleAfter { return }
        let fd = open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        ObservePass.startInBackground(location: workspace.location, session: nil)
    }

    /// What the judgment was, by what source, and how old it is.
    static func reason(_ session: Session, agent: AgentDefinition?, seen: Timestamp, now: Timestamp, stale: Bool) -> String {
        let age = (now - seen).age(.spoken) + " ago"
        let signs = agent?.screenSigns ?? ScreenSigns()
        let what: String
        switch session.state {
        case .idle: what = signs.prompt != nil ? "at its prompt (prompt pattern)" : "its screen had stopped changing"
        case .needsInput: what = signs.questions.isEmpty ? "asking a question" : "asking a question (question pattern)"
        default: what = "busy"
        }
        return "\(what), judged by its screen \(age)" + (stale ? "; looking again in the background" : "")
    }
}

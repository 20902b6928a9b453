import Agents
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
    static func of(_ sessions: [Session], workspace: Workspace, now: Timestamp) -> [SessionID: Judgment] {
        let judged = sessions.filter { !$0.isTerminated && !$0.agentHasHooks && $0.runtime == .alive
            && ($0.state == .working || $0.state == .idle || ($0.state == .needsInput && $0.activity != .blocked)) }
        guard !judged.isEmpty, let store = try? workspace.store() else { return [:] }
        let looks = (try? store.screenLooks()) ?? [:]
        let catalog = (try? workspace.config()).map(AgentCatalog.init(config:))
        var judgments: [SessionID: Judgment] = [:]
        for session in judged {
            let seen = looks[session.id] ?? session.launchedAt ?? session.createdAt
            let stale = now - seen > staleAfter
            let agent = try? catalog?.definition(session.agent)
            judgments[session.id] = Judgment(reason: reason(session, agent: agent, seen: seen, now: now, stale: stale), stale: stale)
        }
        if judgments.values.contains(where: \.stale) { ObservePass.startInBackground(location: workspace.location, session: nil) }
        return judgments
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

import Lifecycle
import Platform
import TmuxRuntime

extension AgentLauncher {
    /// The environment an agent of `session` runs with.
    static func environment(for session: Session, commonDir: String) -> [String: String] {
        var extra = ["AO_SESSION_ID": session.id.rawValue, "AO_REPO": commonDir, "AO_BRANCH": session.branch.rawValue]
        if let name = session.name { extra["AO_SESSION_NAME"] = name }
        if let port = session.port { extra["AO_PORT"] = String(port) }
        return LaunchPlan.agentEnvironment(adding: extra)
    }
}

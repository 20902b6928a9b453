import Forge
import Lifecycle
import Platform
import Store

/// Tells a session's agent that its branch conflicts with the base, through the conflict
/// episode's rule: the local prediction is stored as the predictor would store it, and the
/// rule decides, so the agent gets the episode's one rebase nudge and never a second message
/// for a conflict it was already told about.
struct ConflictNudge {
    let workspace: Workspace
    let store: StateStore

    /// Returns true when the agent has (or already had) the episode's nudge queued or delivered.
    @discardableResult
    func tell(_ session: Session, head: String, base: String, baseRef: String, paths: [String]) throws -> Bool {
        guard !session.isTerminated else { return false }
        let now = Clock.now()
        let prediction = ConflictPrediction(headSHA: head, baseSHA: base, baseRef: baseRef, conflicting: true, paths: paths)
        try workspace.storeCall { try store.setConflictPrediction(prediction, for: session.id, at: now) }
        let prs = try workspace.storeCall { try store.pullRequestFacts(for: session.id) }.values.compactMap(PullRequestFacts.decode)
        try ForgeReactions(store: store, client: nil, repository: nil, now: now).react(session, prs: prs, local: prediction, scope: .conflict)
        _ = try? OutboxDelivery(workspace: workspace, store: store, config: workspace.config()).deliver(session: session.id, now: Clock.now())
        return true
    }
}
